/// Five-field cron expressions (minute hour day-of-month month day-of-week), as in crontab(5).
public enum CronExpression {
    private static let fields: [(name: String, range: ClosedRange<Int>, names: [String])] = [
        ("minute", 0...59, []),
        ("hour", 0...23, []),
        ("day of month", 1...31, []),
        ("month", 1...12, ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
        ("day of week", 0...7, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
    ]

    /// What is wrong with `expression`, or nil when it is valid.
    public static func problem(in expression: String) -> String? {
        let parts = expression.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 5 else { return "expected 5 fields, found \(parts.count)" }
        for (part, field) in zip(parts, fields) {
            for item in part.split(separator: ",", omittingEmptySubsequences: false) {
                if let problem = check(item, field: field) { return problem }
            }
        }
        return nil
    }

    private static func check(
        _ item: Substring, field: (name: String, range: ClosedRange<Int>, names: [String])
    ) -> String? {
        var body = item
        if let slash = item.firstIndex(of: "/") {
            let step = item[item.index(after: slash)...]
            guard let n = Int(step), n > 0 else { return "bad step `\(step)` in the \(field.name) field" }
            body = item[..<slash]
        }
        if body == "*" { return nil }
        let bounds = body.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count) else { return "bad range `\(body)` in the \(field.name) field" }
        var numbers: [Int] = []
        for b in bounds {
            if let n = Int(b) {
                guard field.range.contains(n) else {
                    return
                        "\(n) is outside \(field.range.lowerBound)-\(field.range.upperBound) in the \(field.name) field"
                }
                numbers.append(n)
            } else if let i = field.names.firstIndex(of: b.lowercased()) {
                numbers.append(field.range.lowerBound + i)
            } else {
                return "`\(b)` is not valid in the \(field.name) field"
            }
        }
        if numbers.count == 2, numbers[0] > numbers[1] {
            return "range `\(body)` runs backwards in the \(field.name) field"
        }
        return nil
    }
}
