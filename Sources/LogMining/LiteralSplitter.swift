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
                    // Not `\ `: logpai turns the space into `\s+` before the regex sees it, which makes `\\s+` (a
                    // backslash, then s's); the regular-expression path keeps that meaning, so this one declines.
                    guard let escaped = bytes.popFirst(), escaped < 0x80, !Self.isWordByte(escaped),
                        escaped != UInt8(ascii: " ")
                    else { return nil }
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
