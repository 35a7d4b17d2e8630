/// Parses the supported subset of Python/ICU regular-expression syntax (see `BytePattern`); nil for anything
/// outside it, so that the caller falls back to NSRegularExpression rather than guess.
struct PatternParser {
    private let bytes: [UInt8]
    private var index = 0
    private(set) var groupCount = 0
    private(set) var groupNames: [String: Int] = [:]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parse() -> PatternNode? {
        guard bytes.allSatisfy({ $0 < 0x80 }), let node = parseAlternation(), index == bytes.count else { return nil }
        return node
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func parseAlternation() -> PatternNode? {
        var branches: [PatternNode] = []
        guard let first = parseConcat() else { return nil }
        branches.append(first)
        while peek == UInt8(ascii: "|") {
            index += 1
            guard let next = parseConcat() else { return nil }
            branches.append(next)
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseConcat() -> PatternNode? {
        var items: [PatternNode] = []
        while let byte = peek, byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
            guard let atom = parseAtom() else { return nil }
            guard let repeated = parseQuantifier(atom) else { return nil }
            items.append(repeated)
        }
        return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .concat(items))
    }

    private mutating func parseQuantifier(_ atom: PatternNode) -> PatternNode? {
        var node = atom
        while let byte = peek {
            var min = 0
            var max: Int?
            switch byte {
            case UInt8(ascii: "*"): index += 1
            case UInt8(ascii: "+"):
                index += 1
                min = 1
            case UInt8(ascii: "?"):
                index += 1
                max = 1
            case UInt8(ascii: "{"):
                guard let (low, high, length) = braces(at: index) else { return node }
                index += length
                min = low
                max = high
            default: return node
            }
            switch node {
            case .start, .end, .wordBoundary, .empty, .repetition: return nil  // nothing to repeat, or possessive
            default: break
            }
            var greedy = true
            if peek == UInt8(ascii: "?") {
                index += 1
                greedy = false
            } else if peek == UInt8(ascii: "+") {
                return nil  // possessive: not supported
            }
            if let max, max < min { return nil }
            guard min <= 1_000, (max ?? 0) <= 1_000 else { return nil }
            node = .repetition(node, min: min, max: max, greedy: greedy)
        }
        return node
    }

    /// `{n}`, `{n,}`, `{n,m}` at `start`: (min, max, length). Anything else is a literal `{`, as in Python.
    private func braces(at start: Int) -> (Int, Int?, Int)? {
        var position = start + 1
        func number() -> Int? {
            var value: Int?
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                value = (value ?? 0) * 10 + Int(bytes[position] - 0x30)
                if (value ?? 0) > 100_000 { return nil }
                position += 1
            }
            return value
        }
        guard let low = number() else { return nil }
        var high: Int? = low
        if position < bytes.count, bytes[position] == UInt8(ascii: ",") {
            position += 1
            high = number()
        }
        guard position < bytes.count, bytes[position] == UInt8(ascii: "}") else { return nil }
        return (low, high, position + 1 - start)
    }

    private mutating func parseAtom() -> PatternNode? {
        guard let byte = peek else { return nil }
        index += 1
        switch byte {
        case UInt8(ascii: "("): return parseGroup()
        case UInt8(ascii: "["): return parseClass()
        case UInt8(ascii: "."): return .set(.dot)
        case UInt8(ascii: "^"): return .start
        case UInt8(ascii: "$"): return .end
        case UInt8(ascii: "\\"): return parseEscape(inClass: false).map { $0 }
        case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"): return nil
        default: return .byte(byte)
        }
    }

    private mutating func parseGroup() -> PatternNode? {
        var capture: Int?
        if peek == UInt8(ascii: "?") {
            index += 1
            switch peek {
            case UInt8(ascii: ":"):
                index += 1
            case UInt8(ascii: "P"), UInt8(ascii: "<"):
                if peek == UInt8(ascii: "P") { index += 1 }
                guard peek == UInt8(ascii: "<") else { return nil }
                index += 1
                var name: [UInt8] = []
                while let byte = peek, byte != UInt8(ascii: ">") {
                    guard ByteSet.word.contains(byte) else { return nil }  // also refuses (?<= and (?<!
                    name.append(byte)
                    index += 1
                }
                guard peek == UInt8(ascii: ">"), !name.isEmpty else { return nil }
                index += 1
                groupCount += 1
                capture = groupCount
                groupNames[String(decoding: name, as: UTF8.self)] = groupCount
            default:
                return nil
            }
        } else {
            groupCount += 1
            capture = groupCount
        }
        guard let inner = parseAlternation(), peek == UInt8(ascii: ")") else { return nil }
        index += 1
        return .group(inner, capture: capture)
    }

    /// After a backslash: a class, an assertion or a literal byte.
    private mutating func parseEscape(inClass: Bool) -> PatternNode? {
        guard let byte = peek else { return nil }
        index += 1
        switch byte {
        case UInt8(ascii: "d"): return .set(.digits)
        case UInt8(ascii: "D"): return .set(ByteSet.digits.inverted)
        case UInt8(ascii: "w"): return .set(.word)
        case UInt8(ascii: "W"): return .set(ByteSet.word.inverted)
        case UInt8(ascii: "s"): return .set(.space)
        case UInt8(ascii: "S"): return .set(ByteSet.space.inverted)
        case UInt8(ascii: "b"): return inClass ? .byte(0x08) : .wordBoundary(true)
        case UInt8(ascii: "B"): return inClass ? nil : .wordBoundary(false)
        case UInt8(ascii: "n"): return .byte(0x0A)
        case UInt8(ascii: "t"): return .byte(0x09)
        case UInt8(ascii: "r"): return .byte(0x0D)
        case UInt8(ascii: "f"): return .byte(0x0C)
        case UInt8(ascii: "v"): return .byte(0x0B)
        case UInt8(ascii: "x"):
            guard index + 1 < bytes.count, let high = hex(bytes[index]), let low = hex(bytes[index + 1]) else {
                return nil
            }
            index += 2
            let value = high * 16 + low
            return value < 0x80 ? .byte(value) : nil
        default:
            // Escaped punctuation is itself; escaped letters and digits have meanings not supported here.
            return ByteSet.word.contains(byte) ? nil : .byte(byte)
        }
    }

    private func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    private mutating func parseClass() -> PatternNode? {
        var negated = false
        if peek == UInt8(ascii: "^") {
            negated = true
            index += 1
        }
        var set = ByteSet()
        var first = true
        while let byte = peek {
            if byte == UInt8(ascii: "]"), !first {
                index += 1
                return .set(negated ? set.inverted : set)
            }
            first = false
            if byte == UInt8(ascii: "[") { return nil }  // POSIX classes and ICU set operations: not here
            var low: UInt8
            index += 1
            if byte == UInt8(ascii: "\\") {
                guard let escaped = parseEscape(inClass: true) else { return nil }
                switch escaped {
                case .byte(let value): low = value
                case .set(let members):
                    set.formUnion(members)
                    continue
                default: return nil
                }
            } else {
                low = byte
            }
            // A range `a-z`, unless the `-` ends the class.
            if peek == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] != UInt8(ascii: "]") {
                index += 1
                guard var high = peek else { return nil }
                index += 1
                if high == UInt8(ascii: "\\") {
                    guard case .byte(let value) = parseEscape(inClass: true) else { return nil }
                    high = value
                }
                guard low <= high else { return nil }
                for member in low...high { set.insert(member) }
            } else {
                set.insert(low)
            }
        }
        return nil
    }
}
