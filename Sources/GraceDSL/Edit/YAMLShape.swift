/// A YAML node's content without positions or quoting: what two trees are compared by when only their meaning
/// matters (a reparse after an edit, a refactoring's expected result).
public indirect enum YAMLShape: Sendable, Hashable, CustomStringConvertible {
    case scalar(String)
    case sequence([YAMLShape])
    case mapping([Entry])

    /// One key and its value, in source order.
    public struct Entry: Sendable, Hashable {
        public var key: YAMLShape
        public var value: YAMLShape

        public init(_ key: YAMLShape, _ value: YAMLShape) {
            self.key = key
            self.value = value
        }
    }

    /// The shape of `node`: scalar texts (null is the empty text), items and entries in order.
    public init(_ node: YAMLNode) {
        switch node.content {
        case .scalar(let s): self = .scalar(node.isNull ? "" : s.text)
        case .sequence(let items): self = .sequence(items.map(YAMLShape.init))
        case .mapping(let pairs): self = .mapping(pairs.map { Entry(YAMLShape($0.key), YAMLShape($0.value)) })
        }
    }

    /// Compact flow-like text, for test failure messages.
    public var description: String {
        switch self {
        case .scalar(let text): "\"\(text)\""
        case .sequence(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .mapping(let entries):
            "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}
