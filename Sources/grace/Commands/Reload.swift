import ArgumentParser
import Foundation
import GraceAPIModels
import Runtime

struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tell the running Grace to reload its configuration.",
        discussion: """
            The running Grace compiles the configuration again. If it has errors, nothing changes: the \
            diagnostics are printed, journaled, and the `config: invalid` trigger fires. Otherwise Grace starts \
            added kernels, restarts changed ones, stops removed ones, leaves the rest untouched, and swaps \
            triggers and playbooks without dropping runs in flight. SIGHUP and editing a watched file do the same.

            By default this talks to the Grace of this configuration's state directory over its control socket \
            (<state_dir>/control.sock: no network, no port to mix up). With --api it goes through that HTTP API \
            instead (POST /v1/reload, with the token from --state-dir or the configuration's state directory), \
            e.g. for a Grace on another host.

            Exit status: 0 reloaded or unchanged, 1 refused, 2 usage or I/O error, or Grace is not running.
            """)

    @Option(help: ArgumentHelp("Reload through this HTTP API instead of the control socket.", valueName: "url"))
    var api: String?

    @OptionGroup var state: StateDirectoryOption

    func validate() throws {
        try APIClient.validate(api: api)
    }

    func run() async throws {
        if let api {
            let reply = try await APIClient.connecting(api: api, state: state)
                .get(ReloadResponse.self, "/v1/reload", method: "POST").value
            print(reply.message)
            for change in reply.changed { print("  \(change)") }
            return
        }
        let socket = try state.resolve().appendingPathComponent("control.sock").path
        let response: ControlResponse
        do {
            response = try ControlClient.send(ControlRequest(command: .reload), socket: socket)
        } catch {
            throw CLIError.io(String(describing: error))
        }
        print(response.message)
        response.details.forEach { print("  \($0)") }
        if !response.ok { throw ExitCode(1) }
    }
}
