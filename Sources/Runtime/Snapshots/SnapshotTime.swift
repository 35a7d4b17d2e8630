import Foundation

/// How the store writes instants: whole milliseconds (what a manifest keeps), UTC stamps for ids and people, and
/// the UTC hour and day an instant falls in (the retention buckets).
enum SnapshotTime {
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The instant as a manifest reads it back.
    static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000)
    }

    /// `20261126T101512Z`: sorts as the time does.
    static func compact(_ date: Date) -> String {
        let t = utc(date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min,
            t.tm_sec)
    }

    /// `2026-11-26T10:15:12.345Z`.
    static func iso8601(_ date: Date) -> String {
        let t = utc(date)
        let millis = Int(((milliseconds(date) % 1000) + 1000) % 1000)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
            t.tm_min, t.tm_sec, millis)
    }

    /// The UTC hour the instant falls in, counted from 1970.
    static func hour(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 3600).rounded(.down))
    }

    /// The UTC day the instant falls in, counted from 1970.
    static func day(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 86400).rounded(.down))
    }

    private static func utc(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var result = tm()
        gmtime_r(&seconds, &result)
        return result
    }
}
