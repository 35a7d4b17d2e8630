/// Byte-level facts about a file's text that libyaml's marks do not give: where lines start and end, and where
/// an entry's text really ends (a block collection's end mark is the next token, a block scalar's includes the
/// blank lines after it).
struct YAMLLayout: Sendable {
    let bytes: [UInt8]
    /// The file's line break, reused for inserted lines.
    let newline: String

    init(_ text: String) {
        bytes = Array(text.utf8)
        newline = zip(bytes, bytes.dropFirst()).contains { $0 == 0x0D && $1 == 0x0A } ? "\r\n" : "\n"
    }

    var count: Int { bytes.count }

    /// The offset where the line holding `offset` begins.
    func lineStart(_ offset: Int) -> Int {
        var i = min(offset, count)
        while i > 0, bytes[i - 1] != 0x0A, bytes[i - 1] != 0x0D { i -= 1 }
        return i
    }

    /// The offset of the line break ending the line that holds `offset` (or the end of the text).
    func lineEnd(_ offset: Int) -> Int {
        var i = offset
        while i < count, bytes[i] != 0x0A, bytes[i] != 0x0D { i += 1 }
        return i
    }

    /// The offset just after the line break ending the line that holds `offset`.
    func nextLine(_ offset: Int) -> Int {
        var i = lineEnd(offset)
        if i < count, bytes[i] == 0x0D { i += 1 }
        if i < count, bytes[i] == 0x0A { i += 1 }
        return i
    }

    /// Whether only spaces (and tabs) precede `offset` on its line.
    func startsLine(_ offset: Int) -> Bool {
        bytes[lineStart(offset)..<offset].allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    /// The number of spaces that open the line beginning at `start`.
    func indent(ofLineAt start: Int) -> Int {
        var i = start
        while i < count, bytes[i] == 0x20 { i += 1 }
        return i - start
    }

    /// The 0-based column of `offset` in bytes (indentation is ASCII, so bytes are columns there).
    func column(_ offset: Int) -> Int { offset - lineStart(offset) }

    /// Whether `node` is a flow collection (`[...]` or `{...}`), looking past an anchor or tag.
    func isFlow(_ node: YAMLNode) -> Bool {
        guard node.scalar == nil, !node.isAlias else { return false }
        var i = node.span.start.offset
        while i < count, bytes[i] == UInt8(ascii: "&") || bytes[i] == UInt8(ascii: "!") {
            while i < count, bytes[i] != 0x20, bytes[i] != 0x0A { i += 1 }
            while i < count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        }
        return i < count && (bytes[i] == UInt8(ascii: "[") || bytes[i] == UInt8(ascii: "{"))
    }

    /// The offset just after the last character that belongs to `node`; nil for an empty (null) scalar.
    func contentEnd(_ node: YAMLNode) -> Int? {
        if node.isAlias { return node.span.end.offset }
        switch node.content {
        case .scalar(let s):
            if s.style == .literal || s.style == .folded {
                var end = node.span.end.offset
                while end > node.span.start.offset, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[end - 1]) { end -= 1 }
                return end
            }
            return node.span.end.offset > node.span.start.offset ? node.span.end.offset : nil
        case .sequence(let items):
            if isFlow(node) { return node.span.end.offset }
            return items.reversed().lazy.compactMap { contentEnd($0) }.first
        case .mapping(let pairs):
            if isFlow(node) { return node.span.end.offset }
            for pair in pairs.reversed() {
                if let end = contentEnd(pair.value) ?? contentEnd(pair.key) { return end }
            }
            return nil
        }
    }

    /// Where the lines of a block entry end: after the line of its last character `contentEnd`, and after any
    /// comment lines that follow indented deeper than the entry (`indent`), which belong to it.
    func entryEnd(contentEnd: Int, indent entryIndent: Int) -> Int {
        var end = nextLine(max(contentEnd - 1, 0))
        var cursor = end
        while cursor < count {
            let spaces = indent(ofLineAt: cursor)
            let first = cursor + spaces
            let next = nextLine(cursor)
            if first >= lineEnd(cursor) {
                cursor = next
                continue
            }
            guard bytes[first] == UInt8(ascii: "#"), spaces > entryIndent else { break }
            end = next
            cursor = next
        }
        return end
    }

    /// Where a sequence item's `-` is: the last `-` before the item's node.
    func dash(before offset: Int, notBefore floor: Int) -> Int {
        var i = offset - 1
        while i > floor, bytes[i] != UInt8(ascii: "-") { i -= 1 }
        return max(i, floor)
    }
}

extension YAMLLayout {
    /// Whether the text ends with a line break (an empty text does not).
    var endsWithLineBreak: Bool {
        guard let last = bytes.last else { return false }
        return last == 0x0A || last == 0x0D
    }

    /// The offset just after a flow collection's opening bracket or brace.
    func opening(of node: YAMLNode) -> Int {
        var i = node.span.start.offset
        while i < count, bytes[i] != UInt8(ascii: "["), bytes[i] != UInt8(ascii: "{") { i += 1 }
        return min(i + 1, count)
    }
}
