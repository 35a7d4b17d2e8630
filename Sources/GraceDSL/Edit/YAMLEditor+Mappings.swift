extension YAMLEditor {
    /// Adds `key: value` to the mapping at `path`: in a block mapping on a new line after its last entry (and
    /// the comments indented under it) at the entries' indentation, nested values in block style; in a flow
    /// mapping as `, key: value` before the closing brace.
    public func addKey(_ key: String, value: YAMLValue, to path: YAMLPath) throws(YAMLEditError) -> [TextEdit] {
        let nodes = try chain(path)
        let target = try mapping(nodes, path)
        guard target.mapping?.contains(where: { $0.key.text == key }) == false else {
            throw .duplicateKey(path, key)
        }
        let pairs = target.mapping ?? []
        if nodes.contains(where: { layout.isFlow($0) }) {
            let entry = YAMLScalarWriter.key(key, flow: true) + ": " + value.flowText
            guard let last = pairs.last else {
                let open = layout.opening(of: target)
                return [edit(open..<open, entry)]
            }
            let tail = end(of: last)
            return [edit(tail..<tail, ", " + entry)]
        }
        guard let first = pairs.first, let end = layout.contentEnd(target) else {
            throw .unsupported(path, "the mapping has no entries to align with")
        }
        let column = layout.column(first.key.span.start.offset)
        let text = YAMLValue.mapping([(key, value)]).blockText(indent: column, newline: layout.newline)
        return [appendLine(text, after: end, indent: column)]
    }

    /// Removes `key` and its value from the mapping at `path`: in block style its whole lines (with the nested
    /// block and the comments indented under it; comments and blank lines around it stay), in flow style the
    /// entry with one comma. Removing the only key leaves `{}`.
    public func removeKey(_ key: String, from path: YAMLPath) throws(YAMLEditError) -> [TextEdit] {
        let nodes = try chain(path)
        let target = try mapping(nodes, path)
        let pairs = target.mapping ?? []
        guard let index = pairs.lastIndex(where: { $0.key.text == key }) else {
            throw .noSuchNode(path.key(key))
        }
        return removeEntry(
            index, of: target, starts: pairs.map(\.key.span.start.offset), ends: pairs.map { end(of: $0) },
            empty: "{}")
    }

    /// Where a pair's text ends: its value's, or its key's when the value is empty.
    func end(of pair: YAMLPair) -> Int {
        layout.contentEnd(pair.value) ?? layout.contentEnd(pair.key) ?? pair.key.span.end.offset
    }

    /// The last node of `nodes` when it is a mapping that can be edited.
    private func mapping(_ nodes: [YAMLNode], _ path: YAMLPath) throws(YAMLEditError) -> YAMLNode {
        guard let target = nodes.last else { throw .noSuchNode(path) }
        guard target.mapping != nil else {
            throw .wrongKind(path, expected: "a mapping", found: target.kindDescription)
        }
        guard !target.isAlias else { throw .unsupported(path, "it is an alias") }
        return target
    }

    /// The edit that removes entry `index` of a collection whose entries' text runs `starts[i]..<ends[i]`
    /// (a key or a sequence item's `-` to the end of its value).
    func removeEntry(_ index: Int, of collection: YAMLNode, starts: [Int], ends: [Int], empty: String) -> [TextEdit] {
        if layout.isFlow(collection) {
            if starts.count == 1 { return [edit(starts[0]..<ends[0], "")] }
            if index + 1 < starts.count { return [edit(starts[index]..<starts[index + 1], "")] }
            return [edit(ends[index - 1]..<ends[index], "")]
        }
        if starts.count == 1 {
            // Put `{}`/`[]` right after the parent's `key:` or `-`: on a line of its own it might not be
            // indented enough to stay that key's value.
            let end = layout.contentEnd(collection) ?? ends[0]
            var start = starts[0]
            while start > 0, [0x20, 0x09, 0x0A, 0x0D].contains(layout.bytes[start - 1]) { start -= 1 }
            if start > 0, [UInt8(ascii: ":"), UInt8(ascii: "-")].contains(layout.bytes[start - 1]) {
                return [edit(start..<end, " " + empty)]
            }
            return [edit(starts[0]..<end, empty)]
        }
        let start = starts[index]
        guard layout.startsLine(start) else {
            // The first entry after `- ` (a mapping in a sequence item): the next entry moves up into its place.
            return [edit(start..<starts[index + 1], "")]
        }
        let end = layout.entryEnd(contentEnd: ends[index], indent: layout.column(start))
        return [edit(layout.lineStart(start)..<end, "")]
    }

    /// Inserts `text` (already rendered for column `indent`) as a new line after the lines of the entry whose
    /// text ends at `contentEnd`.
    func appendLine(_ text: String, after contentEnd: Int, indent: Int) -> TextEdit {
        let at = layout.entryEnd(contentEnd: contentEnd, indent: indent)
        let open = at > 0 && at == layout.count && !layout.endsWithLineBreak ? layout.newline : ""
        return edit(at..<at, open + String(repeating: " ", count: indent) + text + layout.newline)
    }
}
