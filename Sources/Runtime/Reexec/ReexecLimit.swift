import Foundation

/// How often Grace may re-execute itself: at most `count` reexecs within `within`. Past it, a reexec is refused
/// and the escalation goes to the operator: an image that fails the same way after every reexec must not loop.
public struct ReexecLimit: Sendable, Equatable {
    /// Reexecs allowed within the window.
    public var count: Int
    /// The window.
    public var within: Duration

    /// At most 3 reexecs within 10 minutes.
    public static let standard = ReexecLimit(count: 3, within: .seconds(600))

    /// A limit of `count` reexecs within `within`.
    public init(count: Int, within: Duration) {
        self.count = count
        self.within = within
    }

    /// The reexecs of `history` that still count at `now`.
    public func recent(_ history: [Date], now: Date) -> [Date] {
        let window = Double(within.components.seconds) + Double(within.components.attoseconds) * 1e-18
        return history.filter { now.timeIntervalSince($0) < window }
    }

    /// Whether one more reexec is allowed at `now` after those of `history`.
    public func allows(after history: [Date], now: Date) -> Bool {
        recent(history, now: now).count < count
    }
}
