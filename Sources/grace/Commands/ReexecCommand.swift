import ArgumentParser
import Foundation
import GraceDSL
import Runtime

struct ReexecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reexec",
        abstract: "Re-execute the running Grace in place: same pid, the kernels keep running.",
        discussion: """
            The running Grace stops its own components (healer, API, snapshots, watchers) without stopping a \
            kernel, writes <state_dir>/reexec.json (every kernel's pid and output pipes, the reexec generation), \
            and replaces itself with a new image of `grace` by execve on the same pid. The kernels stay its \
            children: the new image adopts them (their logs, exits, watchdogs and probes go on), journals \
            `grace.reexec` with the generation, the kernels adopted and how long the handoff took, and serves the \
            API again. It reads the configuration again: a kernel it no longer declares is stopped, one whose \
            process is gone is started. The state-directory lock is kept across the exec.

            --executable runs another `grace` (an upgrade); without it the same image runs again. At most \
            `supervision.reexec` of the grace document (2 within 30 minutes unless set): past that the request \
            is refused (escalate to the operator).

            This command talks to the Grace of this configuration's state directory over its control socket and \
            waits until the new image answers.

            Exit status: 0 re-executed, 1 refused, or the new image did not answer within --timeout, 2 usage or \
            I/O error, or Grace is not running.

            Examples:
              grace reexec
              grace reexec --executable /opt/grace/2.1/bin/grace
            """)

    @Option(
        help: ArgumentHelp("The grace executable to run instead of the current one (an upgrade).", valueName: "path"))
    var executable: String?

    @Option(help: ArgumentHelp("Seconds to wait for the new image to answer.", valueName: "seconds"))
    var timeout: Double = 60

    @OptionGroup var state: StateDirectoryOption

    func validate() throws {
        guard (0.1...3600).contains(timeout) else {
            throw ValidationError("--timeout must be between 0.1 and 3600 seconds, got \(timeout)")
        }
        if let executable, !FileManager.default.isExecutableFile(atPath: executable) {
            throw ValidationError("--executable \(executable) is not an executable file")
        }
    }

    func run() async throws {
        let socket = try state.resolve().appendingPathComponent("control.sock").path
        let executable = executable.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let started = ContinuousClock.now
        let response: ControlResponse
        do {
            response = try ControlClient.send(ControlRequest(command: .reexec, executable: executable), socket: socket)
        } catch {
            throw CLIError.io(String(describing: error))
        }
        guard response.ok else {
            print(response.message)
            throw ExitCode(1)
        }
        let expected = response.details.first { $0.hasPrefix("generation=") } ?? ""
        let deadline = started + .milliseconds(Int64(timeout * 1000))
        // The old image goes away and the new one binds the socket again: ask until it answers as the new generation.
        while ContinuousClock.now < deadline {
            if let pong = try? ControlClient.send(ControlRequest(command: .ping), socket: socket),
                pong.details.contains(expected)
            {
                let elapsed = ContinuousClock.now - started
                print("re-executed in \(elapsed.milliseconds) ms: " + pong.details.joined(separator: " "))
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        print("the new image did not answer within \(timeout) s; see the journal (grace journal show)")
        throw ExitCode(1)
    }
}
