import Foundation

/// A logpai-style line format such as `<Date> <Time> <Level> <Component>: <Content>`: each `<Name>` is a field
/// (matched lazily, as `(?P<Name>.*?)` in logpai's `generate_logformat_regex`), the text between is a regular
/// expression fragment in which a run of spaces matches any run of whitespace. The whole line, trimmed, must
/// match. `Content` is the message that gets mined.
///
/// Formats whose literal parts are plain text (escaped punctuation allowed, as in `\[<Process>\]`) are matched
/// by a hand-written splitter over bytes; others (`(\[<PID>\])?`) compile to a regular expression.
public struct LogFormat: Sendable {
    /// The format as declared.
    public let format: String
    /// The placeholder names in order of appearance.
    public let fieldNames: [String]
    private let matcher: Matcher
    private let contentIndex: Int?
    /// The text between the placeholders, as declared.
    private let literals: [String]

    private enum Matcher: @unchecked Sendable {
        // NSRegularExpression is immutable and documented as thread-safe; it is just not marked Sendable.
        case literal(LiteralSplitter)
        case regex(NSRegularExpression, FastFormat?, groups: [String])
    }

    public init(_ format: String) throws {
        self.format = format
        var names: [String] = []
        var literals: [String] = []
        var current = ""
        var rest = Substring(format)
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(where: { $0 == ">" || $0 == "<" }), after[close] == ">",
                close > after.startIndex
            else {
                // Not a placeholder (logpai's splitter needs `<` + one or more of [^<>] + `>`): keep as literal.
                current += rest[...open]
                rest = after
                continue
            }
            current += rest[..<open]
            literals.append(current)
            current = ""
            names.append(String(after[..<close]))
            rest = after[after.index(after: close)...]
        }
        current += rest
        literals.append(current)
        guard !names.isEmpty else {
            throw LogMiningError.invalidFormat(format: format, reason: "it has no `<Field>` placeholder")
        }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw LogMiningError.invalidFormat(format: format, reason: "the field `<\(name)>` appears twice")
        }
        self.fieldNames = names
        self.literals = literals
        self.contentIndex = names.firstIndex(of: "Content")
        if let splitter = LiteralSplitter(literals: literals) {
            matcher = .literal(splitter)
        } else {
            var pattern = "^"
            var groups: [String] = []
            for (index, literal) in literals.enumerated() {
                pattern += Self.whitespaceRuns(literal)
                if index < names.count {
                    let group = "f\(index)"
                    groups.append(group)
                    pattern += "(?<\(group)>.*?)"
                }
            }
            pattern += "$"
            do {
                matcher = .regex(
                    try NSRegularExpression(pattern: pattern, options: Self.pythonLines),
                    BytePattern(pattern).map { FastFormat($0, groups) },
                    groups: groups)
            } catch {
                throw LogMiningError.invalidFormat(
                    format: format, reason: "its literal parts are not a valid regular expression (\(pattern))")
            }
        }
    }

    /// Only `\n` ends a line for `.` and `$`, as in Python's `re` (logpai's formats) and in `BytePattern`. ICU's
    /// default also stops `.` at `\u{0B}`, `\u{0C}`, U+0085, U+2028 and U+2029, so a form feed inside a message
    /// made the line miss the format on the NSRegularExpression path and match it on the byte paths.
    static let pythonLines: NSRegularExpression.Options = [.useUnixLineSeparators]

    /// logpai replaces each run of spaces in a literal part by `\s+`.
    private static func whitespaceRuns(_ literal: String) -> String {
        var out = ""
        var inRun = false
        for character in literal {
            if character == " " {
                if !inRun { out += "\\s+" }
                inRun = true
            } else {
                out.append(character)
                inRun = false
            }
        }
        return out
    }

    /// The fields of `line` (trimmed of surrounding whitespace first, as logpai does), or nil when it does not
    /// match the format. Without a `Content` field the content is the last field.
    public func split(_ line: String) -> LogLine? {
        switch matcher {
        case .literal(let splitter):
            guard let ranges = splitter.split(line) else { return nil }
            return makeLine(line, ranges)
        case .regex(let regex, let fast, let groups):
            switch fast.map({ Self.fastSplit(line, $0) }) ?? .undecided {
            case .matched(let ranges):
                return makeLine(line, ranges)
            case .noMatch:
                return nil
            case .undecided:
                guard let values = Self.slowSplit(line, regex, groups) else { return nil }
                var fields: [String: String] = [:]
                for (name, value) in zip(fieldNames, values) {
                    if let value { fields[name] = value }
                }
                return LogLine(fields: fields, content: fields["Content"] ?? values.last.flatMap { $0 } ?? "")
            }
        }
    }

    private func makeLine(_ line: String, _ ranges: [Range<Int>?]) -> LogLine {
        let contentRange = contentIndex.flatMap { ranges[$0] } ?? ranges.last.flatMap { $0 }
        let content = contentRange.map { LogLine.substring(line, $0) } ?? ""
        return LogLine(source: line, names: fieldNames, ranges: ranges, content: content)
    }

    private enum FastSplit {
        case matched([Range<Int>?])
        case noMatch
        /// Not ASCII: NSRegularExpression decides.
        case undecided
    }

    /// The byte engine's form of a format with regular-expression parts, and each field's capture group.
    struct FastFormat: Sendable {
        let pattern: BytePattern
        let groupNumbers: [Int?]

        init(_ pattern: BytePattern, _ groups: [String]) {
            self.pattern = pattern
            self.groupNumbers = groups.map { pattern.groupNames[$0] }
        }
    }

    private static func fastSplit(_ line: String, _ fast: FastFormat) -> FastSplit {
        let pattern = fast.pattern
        var line = line
        return line.withUTF8 { buffer -> FastSplit in
            var start = 0
            var end = buffer.count
            while start < end, LiteralSplitter.isSpace(buffer[start]) { start += 1 }
            while end > start, LiteralSplitter.isSpace(buffer[end - 1]) { end -= 1 }
            let trimmed = UnsafeBufferPointer(rebasing: buffer[start..<end])
            for byte in trimmed where byte >= 0x80 { return .undecided }
            var captures = [Int](repeating: -1, count: 2 * (pattern.groupCount + 1))
            var budget = 4_096 + 256 * trimmed.count
            var stack: [BytePattern.Backtrack] = []
            stack.reserveCapacity(64)
            switch pattern.firstMatch(in: trimmed, from: 0, captures: &captures, budget: &budget, stack: &stack) {
            // Too many steps: a line far from the format; ICU would take as long. Mined whole.
            case .gaveUp: return .noMatch
            case .noMatch: return .noMatch
            case .match:
                return .matched(
                    fast.groupNumbers.map { number -> Range<Int>? in
                        guard let number else { return nil }
                        let (from, to) = (captures[2 * number], captures[2 * number + 1])
                        guard from >= 0, to >= from else { return nil }
                        return (start + from)..<(start + to)
                    })
            }
        }
    }

    /// The fields as NSRegularExpression finds them, whatever path `split` takes: for tests that hold the faster
    /// paths to the same answers.
    func referenceSplit(_ line: String) -> [String: String]? {
        var pattern = "^"
        for (index, literal) in literals.enumerated() {
            pattern += Self.whitespaceRuns(literal)
            if index < fieldNames.count { pattern += "(?<f\(index)>.*?)" }
        }
        pattern += "$"
        guard let regex = try? NSRegularExpression(pattern: pattern, options: Self.pythonLines),
            let values = Self.slowSplit(line, regex, fieldNames.indices.map { "f\($0)" })
        else { return nil }
        var fields: [String: String] = [:]
        for (name, value) in zip(fieldNames, values) {
            if let value { fields[name] = value }
        }
        return fields
    }

    private static func slowSplit(_ line: String, _ regex: NSRegularExpression, _ groups: [String]) -> [String?]? {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        let ns = trimmed as NSString
        // A line on which ICU runs out of steps does not match, as on the byte engine.
        guard let result = regex.boundedFirstMatch(in: trimmed, range: NSRange(location: 0, length: ns.length)).match
        else {
            return nil
        }
        return groups.map { group in
            let range = result.range(withName: group)
            return range.location == NSNotFound ? nil : ns.substring(with: range)
        }
    }
}
