/// A small backtracking regular-expression engine over ASCII bytes, for the masks and line formats that run on
/// every log line. ICU's NSRegularExpression on Linux costs microseconds per call (UTF-16 conversion, locking);
/// this does the common subset (literals, `.`, classes, `\d \w \s \b`, groups, alternation, greedy and lazy
/// quantifiers, `^ $`) with Perl's leftmost-first semantics, as Python's `re` and ICU have.
///
/// Patterns using anything else (look-around, back-references, flags, Unicode classes) are not compiled
/// (`init` returns nil) and the caller keeps using NSRegularExpression; so does a caller whose input is not
/// ASCII (where `\w`, `\d` and `\b` mean Unicode classes) or when a match exceeds its step budget.
struct BytePattern: Sendable {
    enum Instruction: Sendable {
        case byte(UInt8)
        case set(Int)  // index into `sets`
        /// `S*?` for a byte set S: try what follows (at pc + 1) first, else take one byte of S and try again; a
        /// tight loop instead of split, set and jump per byte (the `.*?` of every format field).
        case lazySet(Int)
        /// `S*` for a byte set S: take the longest run of S, then give back one byte at a time if what follows
        /// (at pc + 1) fails; one backtrack entry for the whole run instead of one per byte.
        case greedySet(Int)
        case split(Int, Int)  // try the first, then the second
        case jump(Int)
        case save(Int)
        case wordBoundary(Bool)  // true: \b, false: \B
        case start  // ^
        case end  // $
        case match
    }

    let program: [Instruction]
    /// The character classes the program's `.set` instructions name.
    let sets: [ByteSet]
    /// Bytes that can begin a match; nil when the pattern can match the empty string or begin with an assertion.
    let firstBytes: ByteSet?
    /// Capture groups, numbered from 1; slot 2k and 2k+1 hold group k's start and end.
    let groupCount: Int
    let groupNames: [String: Int]
    let anchoredAtStart: Bool
    /// S when the whole pattern is `S+` (`\d+`, `[0-9a-f]+`): every match is a maximal run of S, found by a scan.
    let runOf: ByteSet?
    /// For each instruction, the bytes that a match continuing from there can consume first, and whether it can
    /// consume nothing (reach the end, or an assertion, which is treated as passing: a superset is safe). A split
    /// skips a branch that cannot start at the current byte: a lazy `.*?` then pushes no backtrack entry except
    /// where what follows it could begin, and a greedy loop stops at once where its body cannot go on.
    let startSets: [ByteSet]
    let startsEmpty: [Bool]
    /// Whether a match continuing from there can succeed at the end of the input without consuming (`$`).
    let startsAtEnd: [Bool]

    static func startSets(of program: [Instruction], classes: [ByteSet]) -> ([ByteSet], [Bool], [Bool]) {
        var sets = [ByteSet](repeating: ByteSet(), count: program.count)
        var empty = [Bool](repeating: false, count: program.count)
        var atEnd = [Bool](repeating: false, count: program.count)
        var changed = true
        while changed {
            changed = false
            for pc in program.indices.reversed() {
                var set = ByteSet()
                var canBeEmpty = false
                var canEnd = false
                switch program[pc] {
                case .byte(let byte): set.insert(byte)
                case .set(let index): set = classes[index]
                case .lazySet(let index), .greedySet(let index):
                    set = classes[index]
                    set.formUnion(sets[pc + 1])
                    canBeEmpty = empty[pc + 1]
                    canEnd = atEnd[pc + 1]
                case .split(let a, let b):
                    set = sets[a]
                    set.formUnion(sets[b])
                    canBeEmpty = empty[a] || empty[b]
                    canEnd = atEnd[a] || atEnd[b]
                case .jump(let target):
                    set = sets[target]
                    canBeEmpty = empty[target]
                    canEnd = atEnd[target]
                case .save, .wordBoundary, .start:
                    set = sets[pc + 1]
                    canBeEmpty = empty[pc + 1]
                    canEnd = atEnd[pc + 1]
                case .end:
                    canEnd = true
                case .match:
                    canBeEmpty = true
                }
                if set != sets[pc] || canBeEmpty != empty[pc] || canEnd != atEnd[pc] {
                    sets[pc] = set
                    empty[pc] = canBeEmpty
                    atEnd[pc] = canEnd
                    changed = true
                }
            }
        }
        return (sets, empty, atEnd)
    }
    /// When the pattern begins with `S+` (a loop over the byte set S), a failed attempt at p means attempts at the
    /// following positions inside the same run of S fail too (any match there extends back to p): skipped.
    let leadingLoop: ByteSet?

    init?(_ pattern: String) {
        var parser = PatternParser(Array(pattern.utf8))
        guard let node = parser.parse(), node.programSize(limit: 20_000) < 20_000 else { return nil }
        var compiler = PatternCompiler()
        compiler.emit(node)
        compiler.program.append(.match)
        guard compiler.program.count < 20_000 else { return nil }
        program = compiler.program
        sets = compiler.sets
        switch node {
        case .repetition(.set(let set), 1, nil, true): runOf = set
        case .repetition(.byte(let byte), 1, nil, true): runOf = ByteSet([byte])
        default: runOf = nil
        }
        (startSets, startsEmpty, startsAtEnd) = Self.startSets(of: compiler.program, classes: compiler.sets)
        groupCount = parser.groupCount
        groupNames = parser.groupNames
        firstBytes = node.firstBytes
        leadingLoop = node.leadingLoop
        if case .concat(let items) = node, case .start = items.first {
            anchoredAtStart = true
        } else if case .start = node {
            anchoredAtStart = true
        } else {
            anchoredAtStart = false
        }
    }

    enum Outcome {
        case match(Range<Int>)
        case noMatch
        case gaveUp
    }

    /// The leftmost match at or after `from`, with the capture slots (offsets into `input`, -1 when unset).
    func firstMatch(
        in input: UnsafeBufferPointer<UInt8>, from: Int, captures: inout [Int], budget: inout Int,
        stack: inout [Backtrack]
    ) -> Outcome {
        var start = from
        let count = input.count
        while start <= count {
            if let first = firstBytes {
                while start < count, !first.contains(input[start]) { start += 1 }
                if start == count { return .noMatch }
            }
            switch run(input, at: start, captures: &captures, budget: &budget, stack: &stack) {
            case .some(let end):
                if end < 0 { return .gaveUp }
                return .match(start..<end)
            case .none:
                if anchoredAtStart { return .noMatch }
                start += 1
                if let loop = leadingLoop {
                    while start < count, loop.contains(input[start - 1]) { start += 1 }
                }
            }
        }
        return .noMatch
    }

    struct Backtrack {
        var pc: Int
        var position: Int  // for a restore entry: the old slot value
        /// ≥ 0: a capture slot to restore; -1: a branch; ≤ -2: a greedy run that may give back down to -2 - slot.
        var slot: Int
    }

    /// The end of a match starting at `start`, nil when none, -1 when the budget ran out.
    private func run(
        _ input: UnsafeBufferPointer<UInt8>, at start: Int, captures: inout [Int], budget: inout Int,
        stack: inout [Backtrack]
    ) -> Int? {
        for index in captures.indices { captures[index] = -1 }
        if !stack.isEmpty { stack.removeAll(keepingCapacity: true) }
        return program.withUnsafeBufferPointer { program in
            sets.withUnsafeBufferPointer { sets in
                startSets.withUnsafeBufferPointer { startSets in
                    startsEmpty.withUnsafeBufferPointer { startsEmpty in
                        startsAtEnd.withUnsafeBufferPointer { startsAtEnd in
                            captures.withUnsafeMutableBufferPointer { captures in
                                Self.execute(
                                    input, at: start, program: program, sets: sets, startSets: startSets,
                                    startsEmpty: startsEmpty, startsAtEnd: startsAtEnd, captures: captures,
                                    budget: &budget, stack: &stack)
                            }
                        }
                    }
                }
            }
        }
    }

    private static func execute(
        _ input: UnsafeBufferPointer<UInt8>, at start: Int, program: UnsafeBufferPointer<Instruction>,
        sets: UnsafeBufferPointer<ByteSet>, startSets: UnsafeBufferPointer<ByteSet>,
        startsEmpty: UnsafeBufferPointer<Bool>, startsAtEnd: UnsafeBufferPointer<Bool>,
        captures: UnsafeMutableBufferPointer<Int>, budget: inout Int,
        stack: inout [Backtrack]
    ) -> Int? {
        var pc = 0
        var position = start
        let count = input.count
        var steps = budget
        defer { budget = steps }
        /// Whether a match continuing at `target` can begin at `at`.
        @inline(__always) func canStart(_ target: Int, _ at: Int) -> Bool {
            if startsEmpty[target] { return true }
            if at < count { return startSets[target].contains(input[at]) }
            return startsAtEnd[target]
        }
        while true {
            steps -= 1
            if steps < 0 { return -1 }
            var failed = false
            switch program[pc] {
            case .byte(let byte):
                if position < count, input[position] == byte {
                    position += 1
                    pc += 1
                } else {
                    failed = true
                }
            case .set(let index):
                if position < count, sets[index].contains(input[position]) {
                    position += 1
                    pc += 1
                } else {
                    failed = true
                }
            case .split(let first, let second):
                let firstCan = canStart(first, position)
                let secondCan = canStart(second, position)
                if firstCan {
                    if secondCan { stack.append(Backtrack(pc: second, position: position, slot: -1)) }
                    pc = first
                } else if secondCan {
                    pc = second
                } else {
                    failed = true
                }
            case .lazySet(let index):
                let exit = pc + 1
                var scan = position
                while true {
                    let canExit = canStart(exit, scan)
                    let canTake = scan < count && sets[index].contains(input[scan])
                    if canExit {
                        // Resume here one byte further if what follows fails.
                        if canTake { stack.append(Backtrack(pc: pc, position: scan + 1, slot: -1)) }
                        position = scan
                        pc = exit
                        break
                    } else if canTake {
                        scan += 1
                        steps -= 1
                    } else {
                        failed = true
                        break
                    }
                }
            case .greedySet(let index):
                var end = position
                while end < count, sets[index].contains(input[end]) { end += 1 }
                steps -= end - position
                // The longest run first; shorter ones only where what follows could begin.
                var candidate = end
                while candidate >= position, !canStart(pc + 1, candidate) { candidate -= 1 }
                if candidate < position {
                    failed = true
                } else {
                    if candidate > position {
                        stack.append(Backtrack(pc: pc + 1, position: candidate - 1, slot: -2 - position))
                    }
                    position = candidate
                    pc += 1
                }
            case .jump(let target):
                pc = target
            case .save(let slot):
                if slot < captures.count {
                    stack.append(Backtrack(pc: 0, position: captures[slot], slot: slot))
                    captures[slot] = position
                }
                pc += 1
            case .wordBoundary(let wanted):
                let before = position > 0 && ByteSet.word.contains(input[position - 1])
                let after = position < count && ByteSet.word.contains(input[position])
                if (before != after) == wanted { pc += 1 } else { failed = true }
            case .start:
                if position == 0 { pc += 1 } else { failed = true }
            case .end:
                // Python's `$` also matches before a final newline; lines here have none.
                if position == count { pc += 1 } else { failed = true }
            case .match:
                return position
            }
            if failed {
                while true {
                    guard let top = stack.popLast() else { return nil }
                    if top.slot >= 0 {
                        captures[top.slot] = top.position
                    } else if top.slot == -1 {
                        pc = top.pc
                        position = top.position
                        break
                    } else {
                        // A greedy run giving back: the next shorter length where what follows could begin.
                        let lowest = -2 - top.slot
                        var candidate = top.position
                        while candidate >= lowest, !canStart(top.pc, candidate) { candidate -= 1 }
                        guard candidate >= lowest else { continue }
                        if candidate > lowest {
                            stack.append(Backtrack(pc: top.pc, position: candidate - 1, slot: top.slot))
                        }
                        pc = top.pc
                        position = candidate
                        break
                    }
                }
            }
        }
    }
}
