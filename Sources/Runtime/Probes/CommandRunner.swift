/// Runs a short-lived command to completion.
///
/// Implemented by the supervisor, which owns child reaping (a reaper thread calls `waitpid(-1)`, so nothing else
/// in the process may spawn and wait for children on its own). Exec probes and other one-shot commands go
/// through it. On timeout the runner kills the command (its process group) and reports `timedOut`.
public protocol CommandRunner: Sendable {
    /// Runs `arguments` (the first is the executable) and waits for it, at most `timeout`.
    /// Throws only when the command could not be started at all.
    func run(_ arguments: [String], timeout: Duration) async throws -> CommandOutcome
}
