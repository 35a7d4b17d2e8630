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

    private enum Matcher: @unchecked Sendable {
        // NSRegularExpression is immutable and documented as thread-safe; it is just not marked Sendable.
        case literal(LiteralSplitter)
        case regex(NSRegularExpression, groups: [String])
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
                matcher = .regex(try NSRegularExpression(pattern: pattern), groups: groups)
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
        let values: [String?]
        switch matcher {
        case .literal(let splitter):
            guard let found = splitter.split(line) else { return nil }
            values = found
        case .regex(let regex, let groups):
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            let ns = trimmed as NSString
            guard let result = regex.firstMatch(in: trimmed, range: NSRange(location: 0, length: ns.length)) else {
                return nil
            }
            values = groups.map { group in
                let range = result.range(withName: group)
                return range.location == NSNotFound ? nil : ns.substring(with: range)
            }
        }
        var fields: [String: String] = [:]
        fields.reserveCapacity(values.count)
        for (name, value) in zip(fieldNames, values) {
            if let value { fields[name] = value }
        }
        let content = fields["Content"] ?? values.last.flatMap { $0 } ?? ""
        return LogLine(fields: fields, content: content)
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

    func split(_ line: String) -> [String?]? {
        var line = line
        return line.withUTF8 { buffer -> [String?]? in
            var start = 0
            var end = buffer.count
            while start < end, Self.isSpace(buffer[start]) { start += 1 }
            while end > start, Self.isSpace(buffer[end - 1]) { end -= 1 }
            var state = State(buffer: buffer, end: end, literals: literals)
            guard state.matchLiteral(0, at: start) else { return nil }
            var values: [String?] = []
            values.reserveCapacity(literals.count - 1)
            for range in state.fields {
                values.append(String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self))
            }
            return values
        }
    }

    private struct State {
        let buffer: UnsafeBufferPointer<UInt8>
        let end: Int
        let literals: [[Element]]
        var fields: [Range<Int>] = []
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
            self.budget = 64 * (end + 1) + 4_096
        }

        /// Literal k at `position`, then (if it is not the last) field k and the rest.
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
            var fieldEnd = start
            while fieldEnd <= end {
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
