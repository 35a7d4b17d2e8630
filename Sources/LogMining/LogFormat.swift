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
                    try NSRegularExpression(pattern: pattern), BytePattern(pattern).map { FastFormat($0, groups) },
                    groups: groups)
            } catch {
                throw LogMiningError.invalidFormat(
                    format: format, reason: "its literal parts are not a valid regular expression (\(pattern))")
            }
        }
    }

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
        /// Not ASCII, or too many steps: NSRegularExpression decides.
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
            case .gaveUp: return .undecided
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
        guard let regex = try? NSRegularExpression(pattern: pattern),
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
        guard let result = regex.firstMatch(in: trimmed, range: NSRange(location: 0, length: ns.length)) else {
            return nil
        }
        return groups.map { group in
            let range = result.range(withName: group)
            return range.location == NSNotFound ? nil : ns.substring(with: range)
        }
    }
}

/// Splits a line by a format whose literal parts are plain bytes and whitespace runs, with the same choices as
/// the backtracking regular expression `^lit0(.*?)lit1(.*?)...litN$` would make.
struct LiteralSplitter: Sendable {
    enum Element: Sendable, Equatable {
        case byte(UInt8)
        case whitespace  // `\s+`
    }

    let literals: [[Element]]

    /// Nil when a literal part uses regular expression syntax beyond escaped punctuation.
    init?(literals: [String]) {
        var parsed: [[Element]] = []
        for literal in literals {
            var elements: [Element] = []
            var bytes = Array(literal.utf8)[...]
            while let byte = bytes.popFirst() {
                switch byte {
                case UInt8(ascii: " "):
                    if elements.last != .whitespace { elements.append(.whitespace) }
                case UInt8(ascii: "\\"):
                    guard let escaped = bytes.popFirst(), escaped < 0x80, !Self.isWordByte(escaped) else { return nil }
                    elements.append(.byte(escaped))
                case UInt8(ascii: "."), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "("),
                    UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"),
                    UInt8(ascii: "|"), UInt8(ascii: "^"), UInt8(ascii: "$"):
                    return nil
                default:
                    elements.append(.byte(byte))
                }
            }
            parsed.append(elements)
        }
        self.literals = parsed
    }

    static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x5F
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// UTF-8 offsets in `line` of each field, or nil when the line does not match.
    func split(_ line: String) -> [Range<Int>?]? {
        var line = line
        return line.withUTF8 { buffer -> [Range<Int>?]? in
            var start = 0
            var end = buffer.count
            while start < end, Self.isSpace(buffer[start]) { start += 1 }
            while end > start, Self.isSpace(buffer[end - 1]) { end -= 1 }
            var state = State(buffer: buffer, end: end, literals: literals, capacity: literals.count - 1)
            guard state.matchLiteral(0, at: start) else { return nil }
            return state.fields
        }
    }

    private struct State {
        let buffer: UnsafeBufferPointer<UInt8>
        let end: Int
        let literals: [[Element]]
        var fields: [Range<Int>?] = []
        /// Positions from which field k was already tried and failed: makes failing lines polynomial, not
        /// exponential.
        var failed: Set<Int> = []
        /// Steps left before giving up: a line far from the format (say 200 KB with no `: `) would otherwise cost
        /// time quadratic in its length. Giving up means "does not match": the line is then mined whole.
        var budget: Int

        init(buffer: UnsafeBufferPointer<UInt8>, end: Int, literals: [[Element]]) {
            self.buffer = buffer
            self.end = end
            self.literals = literals
            self.budget = (literals.count + 4) * (end + 1) + 256
        }

        /// Literal k at `position`, then (if it is not the last) field k and the rest.
        init(buffer: UnsafeBufferPointer<UInt8>, end: Int, literals: [[Element]], capacity: Int) {
            self.init(buffer: buffer, end: end, literals: literals)
            fields.reserveCapacity(capacity)
        }

        mutating func matchLiteral(_ k: Int, at position: Int) -> Bool {
            matchElements(k, element: 0, at: position)
        }

        private mutating func matchElements(_ k: Int, element: Int, at position: Int) -> Bool {
            let elements = literals[k]
            if element == elements.count {
                if k == literals.count - 1 { return position == end }
                return matchField(k, from: position)
            }
            switch elements[element] {
            case .byte(let byte):
                guard position < end, buffer[position] == byte else { return false }
                return matchElements(k, element: element + 1, at: position + 1)
            case .whitespace:
                var runEnd = position
                while runEnd < end, LiteralSplitter.isSpace(buffer[runEnd]) { runEnd += 1 }
                // Greedy: the longest run first, as `\s+` would.
                var candidate = runEnd
                while candidate > position {
                    if matchElements(k, element: element + 1, at: candidate) { return true }
                    candidate -= 1
                }
                return false
            }
        }

        /// Field k starts at `start` and ends as early as the rest allows (`.*?`).
        private mutating func matchField(_ k: Int, from start: Int) -> Bool {
            let key = k &* (end &+ 1) &+ start
            if failed.contains(key) { return false }
            fields.append(start..<start)
            let next = k + 1
            if next == literals.count - 1 && literals[next].isEmpty {
                fields[fields.count - 1] = start..<end
                return true
            }
            // Only where the next literal can begin: its first byte, or any whitespace.
            let lead = literals[next].first
            var fieldEnd = start
            while fieldEnd <= end {
                let scanFrom = fieldEnd
                switch lead {
                case .byte(let byte):
                    while fieldEnd < end, buffer[fieldEnd] != byte { fieldEnd += 1 }
                case .whitespace:
                    while fieldEnd < end, !LiteralSplitter.isSpace(buffer[fieldEnd]) { fieldEnd += 1 }
                case nil:
                    break
                }
                budget -= fieldEnd - scanFrom
                if lead != nil, fieldEnd == end { break }
                budget -= 1
                if budget < 0 { break }
                fields[fields.count - 1] = start..<fieldEnd
                if matchElements(next, element: 0, at: fieldEnd) { return true }
                fieldEnd += 1
            }
            fields.removeLast()
            failed.insert(key)
            return false
        }
    }
}
