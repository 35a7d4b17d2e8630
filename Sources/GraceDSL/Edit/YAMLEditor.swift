/// Structural edits of one YAML file as byte-range `TextEdit`s: everything the edit does not concern (comments,
/// blank lines, quoting, key order, the other documents) stays byte for byte.
///
/// The editor parses the file once; each operation returns the edits for one change of the original text.
/// To chain changes, apply the edits and make a new editor from the result.
public struct YAMLEditor: Sendable {
    /// The file being edited.
    public let file: SourceFile
    /// Its documents as parsed.
    public let documents: [YAMLDocument]
    let layout: YAMLLayout

    /// Parses `file`; throws when any part of it could not be read.
    public init(_ file: SourceFile) throws(YAMLEditError) {
        let result = YAMLParser().parse(file.text, file: file.path)
        if let lost = result.unread.first {
            throw .unparsable(file: file.path, reason: lost.cause.message)
        }
        self.file = file
        self.documents = result.documents
        self.layout = YAMLLayout(file.text)
    }

    /// The node at `path`.
    public func node(at path: YAMLPath) throws(YAMLEditError) -> YAMLNode {
        guard let last = try chain(path).last else { throw .noSuchNode(path) }
        return last
    }

    /// Sets the scalar at `path` to the string `text`, quoted as needed for it to read back as that string.
    /// Setting a scalar to the text it already has makes no edits.
    public func setScalar(at path: YAMLPath, to text: String) throws(YAMLEditError) -> [TextEdit] {
        try setValue(at: path, to: .string(text))
    }

    /// Replaces the node at `path` with `value`: a scalar in place (keeping a comment after it), a collection in
    /// flow style. Replacing a scalar by its own text makes no edits.
    public func setValue(at path: YAMLPath, to value: YAMLValue) throws(YAMLEditError) -> [TextEdit] {
        let nodes = try chain(path)
        guard let target = nodes.last else { throw .noSuchNode(path) }
        if let old = target.scalar {
            switch value {
            case .string(let text), .plain(let text): if text == old.text { return [] }
            case .mapping, .sequence: break
            }
        }
        guard !target.isAlias, target.anchor == nil, target.tag == nil else {
            throw .unsupported(path, "it is an alias, anchored or tagged")
        }
        let flow = nodes.dropLast().contains { layout.isFlow($0) }
        let start = target.span.start.offset
        let end = layout.contentEnd(target) ?? start
        let text: String
        switch value {
        case .string(let s): text = YAMLScalarWriter.render(s, typed: false, flow: flow, previous: target.scalar?.style)
        case .plain(let s): text = YAMLScalarWriter.render(s, typed: true, flow: flow)
        case .mapping, .sequence: text = value.flowText
        }
        // An empty value after `key:` needs a space before the new text.
        let needsSpace = start == end && start > 0 && layout.bytes[start - 1] == UInt8(ascii: ":")
        return [edit(start..<end, (needsSpace ? " " : "") + text)]
    }

    /// The nodes from the document's root down to the node at `path`; refuses to look inside an alias.
    func chain(_ path: YAMLPath) throws(YAMLEditError) -> [YAMLNode] {
        guard documents.indices.contains(path.document) else {
            throw .noSuchDocument(path.document, count: documents.count)
        }
        guard var node = documents[path.document].root else { throw .noSuchNode(path) }
        var nodes = [node]
        for component in path.components {
            if node.isAlias { throw .unsupported(path, "it lies inside an alias") }
            switch (component, node.content) {
            case (.key(let key), .mapping):
                guard let value = node[key] else { throw .noSuchNode(path) }
                node = value
            case (.index(let index), .sequence(let items)):
                guard items.indices.contains(index) else { throw .noSuchNode(path) }
                node = items[index]
            default:
                throw .noSuchNode(path)
            }
            nodes.append(node)
        }
        return nodes
    }

    /// An edit of this file.
    func edit(_ range: Range<Int>, _ replacement: String) -> TextEdit {
        TextEdit(file: file.path, range: range, replacement: replacement)
    }
}
