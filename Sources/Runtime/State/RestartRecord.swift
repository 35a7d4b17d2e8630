import Foundation

/// One restart of a kernel: when it was decided, why, and how long the backoff waited before it.
public struct RestartRecord: Sendable, Hashable, Codable {
    /// The kernel that was restarted.
    public var kernel: String
    /// Stored to the millisecond.
    public var time: Date
    /// What caused it (`exit` for a restart after a failure).
    public var reason: String
    /// The backoff before the new process was spawned, in ms (0 for an immediate restart).
    public var delayMilliseconds: Int64

    /// Makes a record, timed now by default.
    public init(kernel: String, time: Date = Date(), reason: String, delayMilliseconds: Int64 = 0) {
        self.kernel = kernel
        self.time = time
        self.reason = reason
        self.delayMilliseconds = delayMilliseconds
    }
}
