import Foundation

/// One restart of a kernel: when it was decided, why, and how long the backoff waited before it.
public struct RestartRecord: Sendable, Hashable, Codable {
    public var kernel: String
    /// Stored to the millisecond.
    public var time: Date
    public var reason: String
    public var delayMilliseconds: Int64

    public init(kernel: String, time: Date = Date(), reason: String, delayMilliseconds: Int64 = 0) {
        self.kernel = kernel
        self.time = time
        self.reason = reason
        self.delayMilliseconds = delayMilliseconds
    }
}
