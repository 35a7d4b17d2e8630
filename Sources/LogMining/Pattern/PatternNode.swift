/// The syntax tree of a pattern.
indirect enum PatternNode: Sendable {
    case empty
    case byte(UInt8)
    case set(ByteSet)
    case concat([PatternNode])
    case alternation([PatternNode])
    case group(PatternNode, capture: Int?)
    case repetition(PatternNode, min: Int, max: Int?, greedy: Bool)
    case wordBoundary(Bool)
    case start
    case end

    /// About how many instructions the node compiles to, saturating at `limit`: nested counted repetitions
    /// (`((a{1000}){1000}){1000}`) multiply, and must be refused before they are emitted.
    func programSize(limit: Int) -> Int {
        switch self {
        case .empty: return 0
        case .byte, .set, .wordBoundary, .start, .end: return 1
        case .group(let inner, _): return min(limit, inner.programSize(limit: limit) + 2)
        case .concat(let items), .alternation(let items):
            var total = 0
            for item in items {
                total = min(limit, total + item.programSize(limit: limit) + 2)
            }
            return total
        case .repetition(let inner, let min, let max, _):
            let one = inner.programSize(limit: limit) + 2
            let copies = Swift.max(min, max ?? min) + 1
            return one.multipliedReportingOverflow(by: copies).overflow ? limit : Swift.min(limit, one * copies)
        }
    }

    /// Whether the node can match without consuming input.
    var nullable: Bool {
        switch self {
        case .empty, .wordBoundary, .start, .end: true
        case .byte, .set: false
        case .concat(let items): items.allSatisfy(\.nullable)
        case .alternation(let items): items.contains(where: \.nullable)
        case .group(let inner, _): inner.nullable
        case .repetition(let inner, let min, _, _): min == 0 || inner.nullable
        }
    }

    /// S when every match begins with a loop `S+` over a byte set (through groups and repetitions of at least one).
    var leadingLoop: ByteSet? {
        switch self {
        case .repetition(let inner, let min, let max, _):
            guard min >= 1 else { return nil }
            if max == nil {
                switch inner {
                case .set(let set): return set
                case .byte(let byte): return ByteSet([byte])
                default: break
                }
            }
            return inner.leadingLoop
        case .group(let inner, _): return inner.leadingLoop
        case .concat(let items): return items.first?.leadingLoop
        default: return nil
        }
    }

    /// The bytes a match can begin with; nil when that is not a simple set (nullable, or led by an assertion).
    var firstBytes: ByteSet? {
        switch self {
        case .empty, .wordBoundary, .start, .end: return nil
        case .byte(let byte): return ByteSet([byte])
        case .set(let set): return set
        case .group(let inner, _): return inner.firstBytes
        case .repetition(let inner, let min, _, _): return min == 0 ? nil : inner.firstBytes
        case .alternation(let items):
            var result = ByteSet()
            for item in items {
                guard let first = item.firstBytes else { return nil }
                result.formUnion(first)
            }
            return result
        case .concat(let items):
            var result = ByteSet()
            for item in items {
                if case .wordBoundary = item { continue }  // transparent: it consumes nothing
                if item.nullable {
                    guard case .repetition(let inner, _, _, _) = item, let first = inner.firstBytes else { return nil }
                    result.formUnion(first)
                    continue
                }
                guard let first = item.firstBytes else { return nil }
                result.formUnion(first)
                return result
            }
            return nil
        }
    }
}
