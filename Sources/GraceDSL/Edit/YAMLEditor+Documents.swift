extension YAMLEditor {
    /// Appends `---` and `value` (in block style) as a new last document; the others stay byte for byte.
    public func addDocument(_ value: YAMLValue) -> [TextEdit] {
        let at = layout.count
        let open = at > 0 && !layout.endsWithLineBreak ? layout.newline : ""
        let text = "---" + layout.newline + value.blockText(indent: 0, newline: layout.newline) + layout.newline
        return [edit(at..<at, open + text)]
    }

    /// Removes document `index`: from its `---` line (or, for the first document, the line of its first token,
    /// so a file's header comment stays) to the next document's `---` line or the end of the file.
    public func removeDocument(at index: Int) throws(YAMLEditError) -> [TextEdit] {
        guard documents.indices.contains(index) else { throw .noSuchDocument(index, count: documents.count) }
        let start = layout.lineStart(documents[index].span.start.offset)
        let end =
            index + 1 < documents.count ? layout.lineStart(documents[index + 1].span.start.offset) : layout.count
        return start < end ? [edit(start..<end, "")] : []
    }
}
