import ArgumentParser
import Foundation
import Runtime

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tell the running Grace to reload its configuration.",
        discussion: """
            The running Grace compiles the configuration again. If it has errors, nothing changes: the \\
            diagnostics are printed, journaled, and the `config: invalid` trigger fires. Otherwise Grace starts \\
            added kernels, restarts changed ones, stops removed ones, leaves the rest untouched, and swaps \\
            triggers and playbooks without dropping runs in flight. SIGHUP and editing a watched file do the same.

            Exit status: 0 reloaded or unchanged, 1 refused, 2 Grace is not running.
            """)

    @OptionGroup var state: StateDirectoryOption

    func run() throws {
        let socket = try state.resolve().appendingPathComponent("control.sock").path
        let response: ControlResponse
        do {
            response = try ControlClient.send(ControlRequest(command: "reload"), socket: socket)
        } catch {
            Terminal.fail(.io(String(describing: error)))
        }
        print(response.message)
        response.details.forEach { print("  \($0)") }
        if !response.ok { throw ExitCode(1) }
    }
}
