/// A value to write into a YAML file: what `YAMLEditor` renders as text.
public indirect enum YAMLValue: Sendable {
    /// A string: written plain when plain text reads back as the same string, else quoted.
    case string(String)
    /// Text meant to be read by its look, such as a number, boolean or duration (`8080`, `true`, `30s`): written
    /// plain when the syntax allows, so the typed layer resolves it as it would the hand-written text.
    case plain(String)
    /// Entries in order.
    case mapping([(String, YAMLValue)])
    /// Items in order.
    case sequence([YAMLValue])

    /// The value in flow style (`{a: 1, b: [x, y]}`), on one line.
    public var flowText: String {
        switch self {
        case .string(let text): YAMLScalarWriter.render(text, typed: false, flow: true)
        case .plain(let text): YAMLScalarWriter.render(text, typed: true, flow: true)
        case .mapping(let entries):
            "{"
                + entries.map { YAMLScalarWriter.key($0.0, flow: true) + ": " + $0.1.flowText }
                .joined(separator: ", ") + "}"
        case .sequence(let items): "[" + items.map(\.flowText).joined(separator: ", ") + "]"
        }
    }

    /// The value in block style as it continues from a position at column `indent` (0-based): later lines are
    /// indented by `indent` spaces, nested blocks by two more; no trailing newline.
    public func blockText(indent: Int, newline: String = "\n") -> String {
        let pad = newline + String(repeating: " ", count: indent)
        switch self {
        case .string, .plain: return flowText
        case .mapping(let entries) where entries.isEmpty: return "{}"
        case .sequence(let items) where items.isEmpty: return "[]"
        case .mapping(let entries):
            return entries.map { key, value in
                let head = YAMLScalarWriter.key(key, flow: false) + ":"
                switch value {
                case .mapping(let e) where !e.isEmpty:
                    return head + pad + "  " + value.blockText(indent: indent + 2, newline: newline)
                case .sequence(let i) where !i.isEmpty:
                    return head + pad + "  " + value.blockText(indent: indent + 2, newline: newline)
                default:
                    return head + " " + value.blockText(indent: indent + 2, newline: newline)
                }
            }.joined(separator: pad)
        case .sequence(let items):
            return items.map { "- " + $0.blockText(indent: indent + 2, newline: newline) }.joined(separator: pad)
        }
    }

    /// The node this value reads back as, without spans: what a reparse of the rendered text must produce.
    public var shape: YAMLShape {
        switch self {
        case .string(let text), .plain(let text): .scalar(text)
        case .mapping(let entries): .mapping(entries.map { YAMLShape.Entry(.scalar($0.0), $0.1.shape) })
        case .sequence(let items): .sequence(items.map(\.shape))
        }
    }
}

extension YAMLValue {
    /// The value a parsed node holds, to copy it elsewhere: quoted or `!!str` scalars as strings, other scalars
    /// as plain text (null as `null`); comments and layout are not kept.
    public init(_ node: YAMLNode) {
        switch node.content {
        case .scalar(let s):
            if node.isNull {
                self = .plain("null")
            } else {
                self = node.isQuotedOrString ? .string(s.text) : .plain(s.text)
            }
        case .sequence(let items): self = .sequence(items.map(YAMLValue.init))
        case .mapping(let pairs): self = .mapping(pairs.map { ($0.key.text ?? "", YAMLValue($0.value)) })
        }
    }
}
