// Durations in seconds: a monotonic clock, the `250ms`-style text of flags and parameters, and how log lines
// and answers show a duration.

import Foundation
import Glibc

/// Seconds on a monotonic clock, for durations.
func monotonic() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// `250ms`, `2.5s`: a duration for log lines and answers.
func describe(_ seconds: Double) -> String {
    seconds < 1 ? String(format: "%.0fms", seconds * 1000) : String(format: "%gs", seconds)
}

/// `250ms`, `2s`, `1.5m`, `500us`, `1h` or plain seconds; nil unless finite and >= 0.
func parseSeconds<S: StringProtocol>(_ text: S) -> Double? {
    let units: [(suffix: String, scale: Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
    let unit = units.first { text.hasSuffix($0.suffix) }
    guard let number = Double(text.dropLast(unit?.suffix.count ?? 0)), number.isFinite, number >= 0 else { return nil }
    return number * (unit?.scale ?? 1)
}
