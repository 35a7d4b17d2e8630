extension YAMLEditor {
    /// Appends `value` to the sequence at `path`: a `- value` line after the last item in block style (nested
    /// values in block style), `, value` before the closing bracket in flow style.
    public func appendItem(_ value: YAMLValue, to path: YAMLPath) throws(YAMLEditError) -> [TextEdit] {
        let count = try sequence(chain(path), path).sequence?.count ?? 0
        return try insertItem(value, at: count, in: path)
    }

    /// Inserts `value` into the sequence at `path` so that it becomes item `index` (0...count).
    public func insertItem(_ value: YAMLValue, at index: Int, in path: YAMLPath) throws(YAMLEditError)
        -> [TextEdit]
    {
        let nodes = try chain(path)
        let target = try sequence(nodes, path)
        let items = target.sequence ?? []
        guard index >= 0, index <= items.count else { throw .noSuchNode(path.index(index)) }
        if nodes.contains(where: { layout.isFlow($0) }) {
            let text = value.flowText
            if items.isEmpty {
                let open = layout.opening(of: target)
                return [edit(open..<open, text)]
            }
            if index == items.count {
                let tail = end(ofItem: items[index - 1], dash: nil)
                return [edit(tail..<tail, ", " + text)]
            }
            let start = items[index].span.start.offset
            return [edit(start..<start, text + ", ")]
        }
        let dashes = self.dashes(of: target)
        guard let first = dashes.first else { throw .unsupported(path, "the sequence has no items to align with") }
        let column = layout.column(first)
        let text = "- " + value.blockText(indent: column + 2, newline: layout.newline)
        if index == items.count {
            let end = layout.contentEnd(target) ?? first + 1
            return [appendLine(text, after: end, indent: column)]
        }
        let at = dashes[index]
        return [edit(at..<at, text + layout.newline + String(repeating: " ", count: column))]
    }

    /// Removes the item at `path` (whose last component is an index) from its sequence: in block style its
    /// whole lines, in flow style the item with one comma. Removing the only item leaves `[]`.
    public func removeItem(at path: YAMLPath) throws(YAMLEditError) -> [TextEdit] {
        guard let parentPath = path.parent, case .index(let index) = path.components.last else {
            throw .noSuchNode(path)
        }
        let target = try sequence(chain(parentPath), parentPath)
        let items = target.sequence ?? []
        guard items.indices.contains(index) else { throw .noSuchNode(path) }
        if layout.isFlow(target) {
            return removeEntry(
                index, of: target, starts: items.map(\.span.start.offset),
                ends: items.map { end(ofItem: $0, dash: nil) }, empty: "[]")
        }
        let dashes = self.dashes(of: target)
        let ends = zip(items, dashes).map { end(ofItem: $0, dash: $1) }
        return removeEntry(index, of: target, starts: dashes, ends: ends, empty: "[]")
    }

    /// Where an item's text ends (just after its `-` when it is empty).
    func end(ofItem item: YAMLNode, dash: Int?) -> Int {
        layout.contentEnd(item) ?? dash.map { $0 + 1 } ?? item.span.end.offset
    }

    /// The offsets of a block sequence's `-` indicators, one per item.
    func dashes(of sequence: YAMLNode) -> [Int] {
        var result: [Int] = []
        var floor = sequence.span.start.offset
        for item in sequence.sequence ?? [] {
            let dash = layout.dash(before: item.span.start.offset, notBefore: floor)
            result.append(dash)
            floor = (layout.contentEnd(item) ?? dash + 1)
        }
        return result
    }

    /// The last node of `nodes` when it is a sequence that can be edited.
    private func sequence(_ nodes: [YAMLNode], _ path: YAMLPath) throws(YAMLEditError) -> YAMLNode {
        guard let target = nodes.last else { throw .noSuchNode(path) }
        guard target.sequence != nil else {
            throw .wrongKind(path, expected: "a sequence", found: target.kindDescription)
        }
        guard !target.isAlias else { throw .unsupported(path, "it is an alias") }
        return target
    }
}
