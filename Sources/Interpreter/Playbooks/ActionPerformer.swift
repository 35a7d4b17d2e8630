/// Carries out actions on the real machine (Runtime) or a simulated one (tests). The executor owns retries,
/// timeouts, conditions and undo; a performer only does one thing once.
public protocol ActionPerformer: Sendable {
    /// Performs the action; throws `ActionFailure` (or anything) when it did not succeed.
    func perform(_ action: ResolvedAction, runID: String) async throws -> ActionOutcome
    func isHealthy(_ kernel: String) async -> Bool
    func isRunning(_ kernel: String) async -> Bool
    func fileExists(_ path: String) async -> Bool
}

/// What an action reports back, for the journal.
public struct ActionOutcome: Sendable, Hashable {
    public var detail: String
    public var output: String?

    public init(detail: String = "", output: String? = nil) {
        self.detail = detail
        self.output = output
    }
}

/// Why an action failed.
public struct ActionFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
