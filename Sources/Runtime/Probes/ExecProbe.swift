import GraceDSL

/// Healthy when the command exits with status 0 within the timeout.
///
/// The command runs through the supervisor's `CommandRunner` (which owns reaping). An unhealthy reason names
/// the exit status or signal, followed by the last line the command printed, if any, so that the journal says
/// why: `exit status 2: disk full`.
public struct ExecProbe: HealthProbe {
    /// The command and its arguments (argv).
    public let arguments: [String]
    /// What runs the command (Grace's spawner and reaper).
    public let runner: any CommandRunner

    /// A probe that runs `arguments` with `runner`.
    public init(arguments: [String], runner: any CommandRunner) {
        self.arguments = arguments
        self.runner = runner
    }

    /// Healthy when the command exits 0 within `timeout`; else the exit status and the output's last line.
    public func check(timeout: Duration) async -> ProbeResult {
        guard let executable = arguments.first, !executable.isEmpty else { return .unhealthy("no command") }
        let outcome: CommandOutcome
        do {
            outcome = try await runner.run(arguments, timeout: timeout)
        } catch {
            return .unhealthy("cannot run \(executable): \(error)")
        }
        if outcome.timedOut { return .unhealthy("timed out after \(ProbeDeadline.describe(timeout))") }
        if let signal = outcome.signal {
            let name = Signal.known.first(where: { $0.value == signal }).map { "SIG" + $0.key } ?? "signal \(signal)"
            return .unhealthy(Self.withOutput("killed by \(name)", outcome.output))
        }
        guard let status = outcome.status else { return .unhealthy("ended without an exit status") }
        return status == 0 ? .healthy : .unhealthy(Self.withOutput("exit status \(status)", outcome.output))
    }

    /// Appends the last non-empty output line, cut to 200 characters.
    private static func withOutput(_ reason: String, _ output: String) -> String {
        let last = output.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) }
        guard let last else { return reason }
        let line = last.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
        return reason + ": " + (line.count > 200 ? String(line.prefix(200)) + "…" : String(line))
    }
}
