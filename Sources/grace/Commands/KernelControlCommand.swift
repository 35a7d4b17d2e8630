import ArgumentParser
import Foundation

/// `grace restart KERNEL` (and stop, start, pause, resume): through the running Grace's HTTP API, so the action is
/// journaled and takes the kernel's lock like any playbook step.
struct KernelControlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Restart a kernel of the running Grace (or --stop, --start, --pause, --resume it).",
        discussion: """
            The request needs the API token (<state dir>/api.token, read automatically). The answer comes once the \
            action is under way; `grace events --follow --kernel NAME` shows how it goes.

            Exit status: 0 accepted, 1 refused (e.g. resume of a kernel that is not paused), 2 unknown kernel, \
            missing token or Grace not running.
            """)

    enum Action: String, EnumerableFlag {
        case restart, stop, start, pause, resume
        static func name(for value: Self) -> NameSpecification { .customLong(value.rawValue) }
    }

    @Argument(help: "The kernel.")
    var kernel: String

    @Flag(help: "What to do (default: restart).")
    var action: Action = .restart

    @OptionGroup var options: APIOptions

    func run() async throws {
        let path = "/v1/kernels/\(APIClient.escape(kernel))/\(action.rawValue)"
        let (_, object) = try await options.client().json("POST", path)
        if options.json { return APIClient.printJSON(object) }
        print((object as? [String: Any])?["message"] as? String ?? "\(action.rawValue) \(kernel): accepted")
    }
}
