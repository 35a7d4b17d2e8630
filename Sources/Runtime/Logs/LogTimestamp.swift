import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Formats log file timestamps as `2026-11-26T10:12:01.123Z` (UTC, milliseconds) without a `DateFormatter`,
/// which is slow and not safe to share between threads.
enum LogTimestamp {
    static func format(_ date: Date) -> String {
        // Round to whole microseconds first so that binary fractions such as .123 (stored as .12299999…) do not
        // lose a millisecond, then truncate to milliseconds as other log timestamps do.
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let millisTotal = micros >= 0 ? micros / 1000 : (micros - 999) / 1000
        var seconds = time_t(millisTotal >= 0 ? millisTotal / 1000 : (millisTotal - 999) / 1000)
        let millis = Int(millisTotal - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer -> String in
            var length = 0
            func digits(_ value: Int, _ width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                var rest = max(0, value)
                for _ in 0..<width {
                    buffer[length] = UInt8(ascii: "0") + UInt8((rest / divisor) % 10)
                    rest %= divisor
                    divisor /= 10
                    length += 1
                }
            }
            func char(_ c: Unicode.Scalar) {
                buffer[length] = UInt8(ascii: c)
                length += 1
            }
            digits(Int(parts.tm_year) + 1900, 4)
            char("-")
            digits(Int(parts.tm_mon) + 1, 2)
            char("-")
            digits(Int(parts.tm_mday), 2)
            char("T")
            digits(Int(parts.tm_hour), 2)
            char(":")
            digits(Int(parts.tm_min), 2)
            char(":")
            digits(Int(parts.tm_sec), 2)
            char(".")
            digits(millis, 3)
            char("Z")
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<length]), as: UTF8.self)
        }
    }
}
