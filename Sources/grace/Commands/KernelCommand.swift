import ArgumentParser
import Foundation
import GraceAPIModels

/// `grace kernel restart|stop|start|pause|resume KERNEL`: through the running Grace's HTTP API, so the action is
/// journaled and takes the kernel's lock like any playbook step.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Restart, stop, start, pause or resume a kernel of the running Grace.",
        discussion: """
            Each action goes through the HTTP API of the running `grace run`: it is journaled and takes the \
            kernel's lock like a playbook step. `grace kernels` lists the kernels and their state.

            Examples:
              grace kernel restart api
              grace kernel pause worker
              grace kernel resume worker
            """,
        subcommands: [Restart.self, Stop.self, Start.self, Pause.self, Resume.self])

    /// The discussion of every action's help: where the token comes from, and the exit statuses with when the
    /// running Grace refuses the action (nil: it never does).
    static func discussion(refused: String?) -> String {
        """
        The request needs the API token (<state dir>/api.token, read automatically). The answer comes once the \
        action is under way; `grace events --follow --kernel NAME` shows how it goes.

        Exit status: 0 accepted, \(refused.map { "1 refused (\($0)), " } ?? "")2 unknown kernel, missing token, \
        usage or I/O error, or Grace is not running.
        """
    }
}

/// What `grace kernel` can do to a kernel: the last segment of `POST /v1/kernels/{name}/...`.
enum KernelAction: String, CaseIterable {
    case restart, stop, start, pause, resume
}

/// The kernel an action is for, and how to reach the API: shared by every `grace kernel` subcommand.
struct KernelTarget: ParsableArguments {
    @Argument(help: "The kernel's name.")
    var kernel: String

    @OptionGroup var api: APIOptions

    /// Asks the running Grace to do `action` and prints its answer.
    func perform(_ action: KernelAction) async throws {
        let path = "/v1/kernels/\(APIClient.escape(kernel))/\(action.rawValue)"
        let (reply, data) = try await api.client().get(MessageResponse.self, path, method: "POST")
        if api.json { return APIClient.printJSON(data) }
        print(reply.message)
    }
}

extension KernelCommand {
    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restart a kernel: stop it, then start it again.",
            discussion: KernelCommand.discussion(refused: nil))

        @OptionGroup var target: KernelTarget

        func run() async throws { try await target.perform(.restart) }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a kernel; it stays stopped until `grace kernel start`.",
            discussion: KernelCommand.discussion(refused: "the kernel is not running"))

        @OptionGroup var target: KernelTarget

        func run() async throws { try await target.perform(.stop) }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a stopped kernel.",
            discussion: KernelCommand.discussion(refused: "the kernel is already running"))

        @OptionGroup var target: KernelTarget

        func run() async throws { try await target.perform(.start) }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a kernel (SIGSTOP to its process group); its failed probes do not count meanwhile.",
            discussion: KernelCommand.discussion(refused: "the kernel is not running, or already paused"))

        @OptionGroup var target: KernelTarget

        func run() async throws { try await target.perform(.pause) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a paused kernel (SIGCONT to its process group).",
            discussion: KernelCommand.discussion(refused: "the kernel is not paused"))

        @OptionGroup var target: KernelTarget

        func run() async throws { try await target.perform(.resume) }
    }
}
