import CLibYAML

/// Limits that keep hostile input (alias bombs, absurd nesting, huge files) from hanging or crashing Grace.
public struct YAMLLimits: Sendable, Hashable {
    /// Deepest nesting of sequences and mappings.
    public var maxDepth: Int
    /// Most nodes that alias expansion may add to one document.
    public var maxAliasExpansion: Int
    /// Largest file accepted, in bytes.
    public var maxFileBytes: Int

    public init(maxDepth: Int = 64, maxAliasExpansion: Int = 10_000, maxFileBytes: Int = 16 << 20) {
        self.maxDepth = maxDepth
        self.maxAliasExpansion = maxAliasExpansion
        self.maxFileBytes = maxFileBytes
    }

    public static let `default` = YAMLLimits()
}

/// What parsing one file produced: its documents, any YAML-level diagnostics, and the parts that were not read.
public struct YAMLParseResult: Sendable {
    public var documents: [YAMLDocument]
    public var diagnostics: [Diagnostic]
    /// Where documents were lost: after a syntax error, the rest of the file; a document refused by a limit or
    /// an unknown anchor, that document. Whatever those documents define is unknown to the rest of the
    /// configuration.
    public var unread: [UnreadRegion] = []
}

/// Reads YAML through libyaml's event API into spanned node trees.
///
/// libyaml's own nodes (and Yams on top of them) keep only start positions; reading events keeps both ends of
/// every node, which diagnostics and span-preserving edits need.
public struct YAMLParser: Sendable {
    public var limits: YAMLLimits

    public init(limits: YAMLLimits = .default) {
        self.limits = limits
    }

    /// Parses every document of `text`. Never throws: problems come back as diagnostics, and the documents
    /// parsed before a syntax error are kept.
    public func parse(_ text: String, file: String) -> YAMLParseResult {
        var bytes = Array(text.utf8)
        if bytes.count > limits.maxFileBytes {
            let d = Diagnostic(
                .fileTooLarge,
                "file is \(bytes.count) bytes; the limit is \(limits.maxFileBytes) bytes",
                at: .file(file))
            let end = PositionMap(bytes: bytes).location(byteOffset: bytes.count)
            let whole = SourceSpan(file: file, start: SourceLocation(line: 1, column: 1, offset: 0), end: end)
            return YAMLParseResult(documents: [], diagnostics: [d], unread: [UnreadRegion(span: whole, cause: d)])
        }
        if bytes.isEmpty { bytes = [] }
        let positions = PositionMap(bytes: bytes)
        return bytes.withUnsafeBufferPointer { buffer in
            var builder = TreeBuilder(file: file, limits: limits, positions: positions)
            builder.run(buffer)
            return YAMLParseResult(
                documents: builder.documents, diagnostics: builder.diagnostics, unread: builder.unread)
        }
    }
}

/// Converts libyaml marks (0-based line and column, index in characters) into source locations with byte offsets.
struct PositionMap {
    private let isASCII: Bool
    private let lineStarts: [Int]
    private let bytes: [UInt8]

    init(bytes: [UInt8]) {
        self.bytes = bytes
        isASCII = !bytes.contains { $0 >= 0x80 }
        lineStarts = isASCII ? [0] : Self.libyamlLineStarts(bytes)
    }

    /// The byte offset of each line as libyaml numbers lines: it breaks at `\n`, `\r\n`, a lone `\r`, U+0085,
    /// U+2028 and U+2029 (YAML 1.1), and its first line begins after a byte order mark. Counting `\n` alone put a
    /// mark after a lone `\r` on the wrong line, and a span could end before it started.
    private static func libyamlLineStarts(_ bytes: [UInt8]) -> [Int] {
        let count = bytes.count
        var starts = [bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0]
        var i = 0
        while i < count {
            switch bytes[i] {
            case 0x0A:
                starts.append(i + 1)
            case 0x0D:
                if i + 1 < count, bytes[i + 1] == 0x0A { i += 1 }
                starts.append(i + 1)
            case 0xC2 where i + 1 < count && bytes[i + 1] == 0x85:
                i += 1
                starts.append(i + 1)
            case 0xE2 where i + 2 < count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                i += 2
                starts.append(i + 1)
            default:
                break
            }
            i += 1
        }
        return starts
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        let line = Int(mark.line)
        let column = Int(mark.column)
        if isASCII {
            return SourceLocation(line: line + 1, column: column + 1, offset: Int(mark.index))
        }
        guard line < lineStarts.count else {
            return SourceLocation(line: line + 1, column: column + 1, offset: bytes.count)
        }
        // Walk `column` characters from the start of the line; continuation bytes do not start a character.
        var offset = lineStarts[line]
        var remaining = column
        while remaining > 0, offset < bytes.count {
            offset += 1
            while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            remaining -= 1
        }
        return SourceLocation(line: line + 1, column: column + 1, offset: offset)
    }

    /// The location of a byte offset (libyaml's reader reports one instead of a mark); only used on errors.
    func location(byteOffset: Int) -> SourceLocation {
        let offset = min(max(byteOffset, 0), bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<offset where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        let column = 1 + bytes[lineStart..<offset].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        return SourceLocation(line: line, column: column, offset: offset)
    }

    /// Where the text ends.
    var end: SourceLocation { location(byteOffset: bytes.count) }
}

/// Builds node trees from libyaml events with an explicit stack (no recursion, so depth cannot overflow).
private struct TreeBuilder {
    let file: String
    let limits: YAMLLimits
    let positions: PositionMap
    var documents: [YAMLDocument] = []
    var diagnostics: [Diagnostic] = []
    var unread: [UnreadRegion] = []

    /// An open sequence or mapping. A struct mutated in place on the stack (`stack[top].items.append`), so that
    /// adding a child never copies the children gathered so far.
    private struct Frame {
        let isMapping: Bool
        let start: SourceLocation
        let tag: String?
        let anchor: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        /// A mapping's key waiting for its value.
        var key: YAMLNode?
    }

    private var stack: [Frame] = []
    private var anchors: [String: (node: YAMLNode, count: Int)] = [:]
    private var expanded = 0
    private var documentStart = SourceLocation(line: 1, column: 1, offset: 0)
    private var documentRoot: YAMLNode?
    private var explicitStart = false
    /// Where the documents not yet complete begin: the end of the last complete document, or the start of the
    /// current one. A syntax error loses everything from here on.
    private var unreadFrom = SourceLocation(line: 1, column: 1, offset: 0)
    /// Set when the current document was refused (alias bomb, unknown anchor): its remaining events are
    /// ignored until it ends, and the documents after it are still read.
    private var refusal: Diagnostic?
    /// Whether a document has ended (read or refused); until then, an error loses the whole file.
    private var anyDocumentEnded = false

    init(file: String, limits: YAMLLimits, positions: PositionMap) {
        self.file = file
        self.limits = limits
        self.positions = positions
    }

    private func span(_ start: yaml_mark_t, _ end: yaml_mark_t) -> SourceSpan {
        SourceSpan(file: file, start: positions.location(start), end: positions.location(end))
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) != 0 else {
            diagnostics.append(Diagnostic(.yamlSyntax, "libyaml could not be initialized", at: .file(file)))
            return
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)

        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) != 0 else {
                let report = SyntaxErrorReport(
                    file: file, positions: positions, input: buffer, maxDepth: limits.maxDepth)
                loseRest(report.diagnostic(for: parser))
                return
            }
            let keepGoing = handle(event)
            yaml_event_delete(&event)
            if !keepGoing { return }
        }
    }

    /// Reports `diagnostic` and records that nothing from `unreadFrom` to the end of the file was read.
    private mutating func loseRest(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
        let start = anyDocumentEnded ? unreadFrom : SourceLocation(line: 1, column: 1, offset: 0)
        let span = SourceSpan(file: file, start: start, end: positions.end)
        unread.append(UnreadRegion(span: span, cause: diagnostic))
    }

    /// Refuses the current document: reports `diagnostic` and ignores the document's remaining events.
    private mutating func refuseDocument(_ diagnostic: Diagnostic) -> Bool {
        diagnostics.append(diagnostic)
        refusal = diagnostic
        stack = []
        return true
    }

    /// Returns false when parsing must stop (end of stream or a limit breached).
    private mutating func handle(_ event: yaml_event_t) -> Bool {
        if let refused = refusal {
            switch event.type {
            case YAML_DOCUMENT_END_EVENT:
                let span = SourceSpan(file: file, start: unreadFrom, end: positions.location(event.end_mark))
                unread.append(UnreadRegion(span: span, cause: refused))
                refusal = nil
                unreadFrom = span.end
                anyDocumentEnded = true
            case YAML_STREAM_END_EVENT:
                return false
            default:
                break
            }
            return true
        }
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return false
        case YAML_DOCUMENT_START_EVENT:
            documentStart = positions.location(event.start_mark)
            unreadFrom = documentStart
            explicitStart = event.data.document_start.implicit == 0
            anchors = [:]
            expanded = 0
            documentRoot = nil
            stack = []
        case YAML_DOCUMENT_END_EVENT:
            let end = positions.location(event.end_mark)
            unreadFrom = end
            anyDocumentEnded = true
            let docSpan = SourceSpan(file: file, start: documentStart, end: end)
            if let root = documentRoot, root.isNull {
                if explicitStart {
                    let startSpan = SourceSpan(file: file, start: documentStart, end: documentStart)
                    diagnostics.append(Diagnostic(.emptyDocument, "empty document", at: startSpan))
                }
                documents.append(YAMLDocument(root: nil, span: docSpan))
            } else {
                documents.append(YAMLDocument(root: documentRoot, span: docSpan))
            }
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            let aliasSpan = span(event.start_mark, event.end_mark)
            guard let target = anchors[name] else {
                return refuseDocument(
                    Diagnostic(.unknownAnchor, "alias `*\(name)` refers to no anchor", at: aliasSpan))
            }
            expanded += target.count
            if expanded > limits.maxAliasExpansion {
                return refuseDocument(
                    Diagnostic(
                        .aliasExpansionLimit,
                        "alias expansion exceeds \(limits.maxAliasExpansion) nodes in one document "
                            + "(an alias bomb?); the document is refused",
                        at: aliasSpan))
            }
            var node = target.node
            node.span = aliasSpan
            node.isAlias = true
            node.anchor = nil
            return complete(node)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text: String
            if let value = data.value {
                text = String(decoding: UnsafeBufferPointer(start: value, count: Int(data.length)), as: UTF8.self)
            } else {
                text = ""
            }
            let style: YAMLScalar.Style
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            let node = YAMLNode(
                .scalar(YAMLScalar(text, style: style)), span: span(event.start_mark, event.end_mark),
                tag: Self.string(data.tag), anchor: Self.string(data.anchor))
            return complete(node)
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            stack.append(
                Frame(
                    isMapping: false, start: positions.location(event.start_mark), tag: Self.string(data.tag),
                    anchor: Self.string(data.anchor)))
            return checkDepth(event)
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            stack.append(
                Frame(
                    isMapping: true, start: positions.location(event.start_mark), tag: Self.string(data.tag),
                    anchor: Self.string(data.anchor)))
            return checkDepth(event)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return true }
            let end = positions.location(event.end_mark)
            let span = SourceSpan(file: file, start: frame.start, end: end)
            if frame.isMapping {
                checkKeys(frame.pairs)
                return complete(YAMLNode(.mapping(frame.pairs), span: span, tag: frame.tag, anchor: frame.anchor))
            }
            return complete(YAMLNode(.sequence(frame.items), span: span, tag: frame.tag, anchor: frame.anchor))
        default:
            break
        }
        return true
    }

    private mutating func checkDepth(_ event: yaml_event_t) -> Bool {
        guard stack.count > limits.maxDepth else { return true }
        let at = span(event.start_mark, event.end_mark)
        // Unlike an alias bomb, this one stops the file: reading on would let libyaml nest (and allocate) as
        // deep as the input goes.
        loseRest(
            Diagnostic(
                .nestingTooDeep,
                "nesting is deeper than \(limits.maxDepth) levels; the rest of the file is not read", at: at))
        return false
    }

    /// Duplicate keys silently override in most YAML loaders; in configuration they are almost always a mistake.
    private mutating func checkKeys(_ pairs: [YAMLPair]) {
        // Most mappings are small and all keys plain: a linear scan beats building a dictionary.
        if pairs.count <= 12 {
            var clean = true
            outer: for i in pairs.indices {
                guard let a = pairs[i].key.scalar?.text, pairs[i].key.mapping == nil else {
                    clean = false
                    break
                }
                for j in 0..<i where pairs[j].key.scalar?.text == a {
                    clean = false
                    break outer
                }
            }
            if clean { return }
        }
        var seen: [String: YAMLNode] = [:]
        for pair in pairs {
            guard let key = pair.key.text else {
                diagnostics.append(
                    Diagnostic(
                        .nonScalarKey, "mapping keys must be plain strings, not \(pair.key.kindDescription)",
                        at: pair.key.span))
                continue
            }
            if let first = seen[key] {
                diagnostics.append(
                    Diagnostic(
                        .duplicateKey, "duplicate key `\(key)`", at: pair.key.span,
                        notes: [Note("first defined here", at: first.span)]))
            } else {
                seen[key] = pair.key
            }
        }
    }

    /// Attaches a finished node to its parent (or makes it the document root).
    private mutating func complete(_ node: YAMLNode) -> Bool {
        if let anchor = node.anchor {
            let count = node.nodeCount
            anchors[anchor] = (node, count)
        }
        let top = stack.count - 1
        guard top >= 0 else {
            documentRoot = node
            return true
        }
        if !stack[top].isMapping {
            stack[top].items.append(node)
        } else if let key = stack[top].key {
            stack[top].key = nil
            stack[top].pairs.append(YAMLPair(key: key, value: node))
        } else {
            stack[top].key = node
        }
        return true
    }
}
