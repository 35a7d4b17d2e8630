/// Carries out actions on the real machine (Runtime) or a simulated one (tests). The executor owns retries,
/// timeouts, conditions and undo; a performer only does one thing once.
public protocol ActionPerformer: Sendable {
    /// Performs the action; throws `ActionFailure` (or anything) when it did not succeed.
    func perform(_ action: ResolvedAction, runID: String) async throws -> ActionOutcome
    /// Whether `kernel` is ready, not paused and passing its health probe (if it has one), for `if: healthy` and
    /// `success:` criteria (which poll it every 100 ms).
    func isHealthy(_ kernel: String) async -> Bool
    /// Whether `kernel` has a process (paused or not), for `if: running`.
    func isRunning(_ kernel: String) async -> Bool
    /// Whether `path` exists on the machine Grace runs on, for `if: file_exists`.
    func fileExists(_ path: String) async -> Bool
}

/// What an action reports back, for the journal.
public struct ActionOutcome: Sendable, Hashable {
    /// What was done, for the step's journal entry; empty means the action's own summary is used.
    public var detail: String
    /// The tail of an `exec`'s output, when the performer kept it; nothing in the journal shows it.
    public var output: String?

    /// Makes an outcome; with no detail, the journal shows the action's summary.
    public init(detail: String = "", output: String? = nil) {
        self.detail = detail
        self.output = output
    }
}

/// Why an action failed.
public struct ActionFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why, in words; it becomes the step's `error`.
    public var message: String

    /// A failure with this message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message alone, as the step's `error` shows it.
    public var description: String { message }
}
