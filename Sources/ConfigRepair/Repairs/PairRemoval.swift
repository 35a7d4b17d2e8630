import GraceDSL

/// Removing one `key: value` pair from a mapping, block or flow, leaving every other byte as it was.
enum PairRemoval {
    /// The mapping pairs holding the pair whose key starts at `offset`, and its index, found in `documents`.
    static func find(keyAt offset: Int, in documents: [YAMLDocument]) -> (pairs: [YAMLPair], index: Int)? {
        for document in documents {
            if let root = document.root, let found = find(keyAt: offset, in: root) { return found }
        }
        return nil
    }

    private static func find(keyAt offset: Int, in node: YAMLNode) -> (pairs: [YAMLPair], index: Int)? {
        guard !node.isAlias else { return nil }
        switch node.content {
        case .scalar: return nil
        case .sequence(let items):
            for item in items { if let found = find(keyAt: offset, in: item) { return found } }
        case .mapping(let pairs):
            if let index = pairs.firstIndex(where: { $0.key.span.start.offset == offset }) { return (pairs, index) }
            for pair in pairs { if let found = find(keyAt: offset, in: pair.value) { return found } }
        }
        return nil
    }

    /// Byte ranges that remove pair `index` of `pairs`, best first: whole lines when the pair has its own lines,
    /// else the pair and the separator after it (or before it, when it is the last).
    static func ranges(removing index: Int, of pairs: [YAMLPair], in source: SourceText) -> [Range<Int>] {
        let pair = pairs[index]
        let keyStart = pair.key.span.start.offset
        var valueEnd = pair.value.span.end.offset
        let keyLine = source.line(containing: keyStart)
        var result: [Range<Int>] = []
        let ownsLineStart = source.indentation(ofLine: keyLine).upperBound == keyStart
        // A block value's end mark can be the start of the next line; its last line is the one before.
        var lastLine = source.line(containing: valueEnd)
        if lastLine > keyLine, source.lineStarts[lastLine] == valueEnd { lastLine -= 1 }
        if index + 1 < pairs.count {
            let nextStart = pairs[index + 1].key.span.start.offset
            let nextLine = source.line(containing: nextStart)
            if ownsLineStart, nextLine > keyLine, source.indentation(ofLine: nextLine).upperBound == nextStart {
                result.append(source.lineStarts[keyLine]..<source.lineStarts[nextLine])
            }
            result.append(keyStart..<nextStart)
        } else {
            valueEnd = min(valueEnd, source.bytes.count)
            if ownsLineStart, source.contentEnd(ofLine: lastLine) <= max(valueEnd, source.lineStarts[lastLine]) {
                result.append(
                    source.fullRange(ofLine: keyLine).lowerBound..<source.fullRange(ofLine: lastLine).upperBound)
            }
            if index > 0 {
                result.append(pairs[index - 1].value.span.end.offset..<valueEnd)
            }
        }
        return result
    }
}
