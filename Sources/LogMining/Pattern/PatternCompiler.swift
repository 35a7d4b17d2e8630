/// Compiles a pattern's syntax tree to `BytePattern`'s instructions.
struct PatternCompiler {
    var program: [BytePattern.Instruction] = []
    var sets: [ByteSet] = []

    mutating func index(of set: ByteSet) -> Int {
        if let index = sets.firstIndex(of: set) { return index }
        sets.append(set)
        return sets.count - 1
    }

    mutating func emit(_ node: PatternNode) {
        switch node {
        case .empty: break
        case .byte(let byte): program.append(.byte(byte))
        case .set(let set):
            program.append(.set(index(of: set)))
        case .wordBoundary(let wanted): program.append(.wordBoundary(wanted))
        case .start: program.append(.start)
        case .end: program.append(.end)
        case .concat(let items): for item in items { emit(item) }
        case .group(let inner, let capture):
            if let capture { program.append(.save(2 * capture)) }
            emit(inner)
            if let capture { program.append(.save(2 * capture + 1)) }
        case .alternation(let items):
            var jumps: [Int] = []
            for (index, item) in items.enumerated() {
                if index < items.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, 0))
                    emit(item)
                    jumps.append(program.count)
                    program.append(.jump(0))
                    program[split] = .split(split + 1, program.count)
                } else {
                    emit(item)
                }
            }
            for jump in jumps { program[jump] = .jump(program.count) }
        case .repetition(let inner, let min, let max, let greedy):
            for _ in 0..<min { emit(inner) }
            if max == nil, case .set(let set) = inner {
                program.append(greedy ? .greedySet(index(of: set)) : .lazySet(index(of: set)))
                return
            }
            if max == nil, case .byte(let byte) = inner {
                let set = ByteSet([byte])
                program.append(greedy ? .greedySet(index(of: set)) : .lazySet(index(of: set)))
                return
            }
            if let max {
                // Optional copies: each may be skipped, and skipping one skips the rest.
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(program.count)
                    program.append(.split(0, 0))
                    emit(inner)
                }
                for split in splits {
                    program[split] = greedy ? .split(split + 1, program.count) : .split(program.count, split + 1)
                }
            } else {
                let loop = program.count
                program.append(.split(0, 0))
                emit(inner)
                program.append(.jump(loop))
                program[loop] = greedy ? .split(loop + 1, program.count) : .split(program.count, loop + 1)
            }
        }
    }
}
