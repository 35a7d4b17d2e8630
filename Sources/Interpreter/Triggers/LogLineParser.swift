import Foundation

/// Splits log lines by a logpai-style format (`<Date> <Time> <Level> <Component>: <Content>`): each
/// placeholder becomes a lazy group, the last a greedy one, literal text must match as written.
struct LogLineParser: Sendable {
    struct Parts: Sendable, Equatable {
        var fields: [String: String]
        var content: String { fields["Content"] ?? "" }
        var level: String? { fields["Level"] }
    }

    private let regex: NSRegularExpression
    private let names: [String]

    init?(format: String) {
        var pattern = "^"
        var names: [String] = []
        var rest = Substring(format)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let literal = String(rest[..<open])
            pattern += NSRegularExpression.escapedPattern(for: literal).replacingOccurrences(of: " ", with: "\\s+")
            let name = String(rest[rest.index(after: open)..<close])
            names.append(name)
            rest = rest[rest.index(after: close)...]
            pattern += rest.contains("<") ? "(.*?)" : "(.*)"
        }
        pattern += NSRegularExpression.escapedPattern(for: String(rest)) + "$"
        guard !names.isEmpty, let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        self.regex = regex
        self.names = names
    }

    func parse(_ line: String) -> Parts? {
        let range = NSRange(line.startIndex..., in: line)
        guard let match = regex.firstMatch(in: line, range: range) else { return nil }
        var fields: [String: String] = [:]
        for (i, name) in names.enumerated() {
            if let r = Range(match.range(at: i + 1), in: line) { fields[name] = String(line[r]) }
        }
        return Parts(fields: fields)
    }
}
