/// A node of a YAML document as written, with where it was written. Values are not interpreted here:
/// a scalar is its text and style; the typed layer decides whether `8080` is a number or `"8080"` a string.
public struct YAMLNode: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var content: Content
    public var span: SourceSpan
    /// The explicit tag, if any, in its resolved long form (e.g. `tag:yaml.org,2002:str`).
    public var tag: String?
    /// The anchor this node was defined with (`&name`), if any.
    public var anchor: String?
    /// True when this node was produced by expanding an alias (`*name`); `span` is then the alias itself.
    public var isAlias: Bool

    public init(
        _ content: Content, span: SourceSpan, tag: String? = nil, anchor: String? = nil, isAlias: Bool = false
    ) {
        self.content = content
        self.span = span
        self.tag = tag
        self.anchor = anchor
        self.isAlias = isAlias
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The scalar's text, when this node is a scalar.
    public var text: String? { scalar?.text }

    /// True for `~`, `null`, `Null`, `NULL` and the empty plain scalar, unless tagged otherwise.
    public var isNull: Bool {
        guard let s = scalar, s.style == .plain, tag == nil || tag == "tag:yaml.org,2002:null" else { return false }
        return s.text.isEmpty || s.text == "~" || s.text == "null" || s.text == "Null" || s.text == "NULL"
    }

    /// True when the scalar was quoted or explicitly tagged `!!str`: it is a string whatever its text looks like.
    public var isQuotedOrString: Bool {
        guard let s = scalar else { return false }
        return s.style != .plain || tag == "tag:yaml.org,2002:str"
    }

    /// A short human description of what this node is, for "expected X, found Y" messages.
    public var kindDescription: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .scalar(let s):
            if isNull { return "null" }
            if isQuotedOrString { return "a string" }
            if s.text == "true" || s.text == "false" { return "a boolean" }
            if Int(s.text) != nil { return "an integer" }
            if Double(s.text) != nil { return "a number" }
            return "a string"
        }
    }

    /// The value of `key` in this mapping (the last one, as YAML loaders do), with the key node.
    public func pair(_ key: String) -> YAMLPair? {
        guard case .mapping(let pairs) = content else { return nil }
        return pairs.last { $0.key.hasText(key) }
    }

    /// True when this node is a scalar whose text is `text`: a key lookup that copies no scalar out of the node.
    func hasText(_ text: String) -> Bool {
        if case .scalar(let s) = content { return s.text == text }
        return false
    }

    public subscript(key: String) -> YAMLNode? { pair(key)?.value }

    /// Number of nodes in this subtree, counting itself.
    public var nodeCount: Int {
        switch content {
        case .scalar: return 1
        case .sequence(let items): return items.reduce(1) { $0 + $1.nodeCount }
        case .mapping(let pairs): return pairs.reduce(1) { $0 + $1.key.nodeCount + $1.value.nodeCount }
        }
    }
}

/// One `key: value` entry of a mapping, in source order.
public struct YAMLPair: Sendable, Hashable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// A scalar's text as written (after unescaping) and how it was quoted.
public struct YAMLScalar: Sendable, Hashable {
    public enum Style: String, Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var text: String
    public var style: Style

    public init(_ text: String, style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

/// One document of a YAML stream.
public struct YAMLDocument: Sendable, Hashable {
    /// The root node; nil when the document is empty.
    public var root: YAMLNode?
    /// From the document start (`---` or the first token) to its end.
    public var span: SourceSpan

    public init(root: YAMLNode?, span: SourceSpan) {
        self.root = root
        self.span = span
    }
}
