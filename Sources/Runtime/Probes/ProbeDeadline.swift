import Glibc

/// The end of a probe's time budget: every wait of the probe on the reactor ends there.
struct ProbeDeadline: Sendable {
    let timeout: Duration
    let end: ContinuousClock.Instant

    init(timeout: Duration) {
        self.timeout = timeout
        end = ContinuousClock.now.advanced(by: timeout)
    }

    var isExpired: Bool { ContinuousClock.now >= end }

    /// "timed out after 1s".
    var timedOutReason: String { "timed out after \(Self.describe(timeout))" }

    /// A duration the way Grace's YAML writes it: `250ms`, `1s`, `1.5s`, `2m`.
    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 {
            if seconds != 0 && seconds % 3600 == 0 { return "\(seconds / 3600)h" }
            if seconds != 0 && seconds % 60 == 0 { return "\(seconds / 60)m" }
            return "\(seconds)s"
        }
        let totalMicroseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        if seconds == 0 {
            if totalMicroseconds % 1000 == 0 { return "\(totalMicroseconds / 1000)ms" }
            return "\(totalMicroseconds)µs"
        }
        var text = String(Double(totalMicroseconds) / 1_000_000)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + "s"
    }
}
