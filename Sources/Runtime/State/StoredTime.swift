import Foundation

/// Times on disk are integer milliseconds since 1970, so that what is hashed is what is read back.
enum StoredTime {
    static func milliseconds(_ date: Date) -> Int64 {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        guard ms.isFinite else { return 0 }
        // Clamp rather than trap: Int64(_:) of an out-of-range Double is a crash.
        return Int64(max(-9.0e15, min(9.0e15, ms)))
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
