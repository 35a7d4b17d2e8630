import Foundation
import GraceDSL

/// A parsed five-field cron expression (validated by the compiler) and the next time it matches, in UTC.
public struct CronSchedule: Sendable {
    private let minutes: Set<Int>
    private let hours: Set<Int>
    private let days: Set<Int>
    private let months: Set<Int>
    private let weekdays: Set<Int>
    private let daysRestricted: Bool
    private let weekdaysRestricted: Bool

    /// Parses minute, hour, day of month, month and weekday (names allowed); nil when the expression is invalid.
    public init?(_ expression: String) {
        guard CronExpression.problem(in: expression) == nil else { return nil }
        let parts = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        guard let mi = Self.expand(parts[0], 0...59, []), let h = Self.expand(parts[1], 0...23, []),
            let d = Self.expand(parts[2], 1...31, []), let mo = Self.expand(parts[3], 1...12, months),
            var w = Self.expand(parts[4], 0...7, days)
        else { return nil }
        if w.contains(7) { w.insert(0) }
        minutes = mi
        hours = h
        self.days = d
        self.months = mo
        weekdays = w
        daysRestricted = parts[2] != "*"
        weekdaysRestricted = parts[4] != "*"
    }

    private static func expand(_ field: String, _ range: ClosedRange<Int>, _ names: [String]) -> Set<Int>? {
        var out: Set<Int> = []
        for item in field.split(separator: ",") {
            var body = Substring(item)
            var step = 1
            if let slash = item.firstIndex(of: "/") {
                guard let s = Int(item[item.index(after: slash)...]) else { return nil }
                step = s
                body = item[..<slash]
            }
            var low = range.lowerBound
            var high = range.upperBound
            if body != "*" {
                let bounds = body.split(separator: "-").map { b -> Int? in
                    Int(b) ?? names.firstIndex(of: b.lowercased()).map { $0 + range.lowerBound }
                }
                guard let first = bounds.first ?? nil else { return nil }
                low = first
                high = bounds.count > 1 ? (bounds[1] ?? first) : (step > 1 ? range.upperBound : first)
            }
            guard low <= high else { return nil }
            out.formUnion(stride(from: low, through: high, by: step))
        }
        return out
    }

    /// The first minute strictly after `date` that matches (searches up to four years ahead).
    public func next(after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        guard var t = calendar.date(bySetting: .second, value: 0, of: date) else { return nil }
        if t <= date { t = t.addingTimeInterval(60) }
        for _ in 0..<(4 * 366 * 24 * 60) {
            let c = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: t)
            guard let minute = c.minute, let hour = c.hour, let day = c.day, let month = c.month,
                let weekday = c.weekday
            else { return nil }
            let dayOK: Bool
            // As cron: when both day fields are restricted, either may match.
            if daysRestricted && weekdaysRestricted {
                dayOK = days.contains(day) || weekdays.contains(weekday - 1)
            } else {
                dayOK = days.contains(day) && weekdays.contains(weekday - 1)
            }
            if !months.contains(month) || !dayOK {
                t = calendar.startOfDay(for: t).addingTimeInterval(86_400)
                continue
            }
            if !hours.contains(hour) {
                t = t.addingTimeInterval(Double(60 - minute) * 60)
                continue
            }
            if minutes.contains(minute) { return t }
            t = t.addingTimeInterval(60)
        }
        return nil
    }
}
