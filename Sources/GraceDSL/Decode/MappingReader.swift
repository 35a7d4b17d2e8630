/// Reads the fields of one YAML mapping: hands out values by key and reports keys nobody asked for.
///
/// Each decoder names the keys its kind allows up front, so an unknown key is reported with a "did you mean"
/// against exactly that list, and a fix-it when the match is unambiguous.
struct MappingReader {
    let node: YAMLNode
    let pairs: [YAMLPair]
    /// What this mapping is, for messages: "kernel `api`", "health probe".
    let context: String
    let sink: DiagnosticSink

    /// Nil (after reporting) when `node` is not a mapping.
    init?(_ node: YAMLNode, context: String, allowed: [String], sink: DiagnosticSink) {
        guard let pairs = node.mapping else {
            sink.emit(.wrongType, "\(context) must be a mapping, found \(node.kindDescription)", at: node.span)
            return nil
        }
        self.node = node
        self.pairs = pairs
        self.context = context
        self.sink = sink
        reportUnknownKeys(allowed: allowed)
    }

    private func reportUnknownKeys(allowed: [String]) {
        for pair in pairs {
            guard let key = pair.key.text, !allowed.contains(key) else { continue }
            if let guess = Suggestion.closest(to: key, in: allowed) {
                sink.emit(
                    .unknownKey, "unknown key `\(key)` in \(context); did you mean `\(guess)`?", at: pair.key.span,
                    fixIts: [FixIt("replace with `\(guess)`", span: pair.key.span, replacement: guess)])
            } else {
                let list = allowed.map { "`\($0)`" }.joined(separator: ", ")
                sink.emit(
                    .unknownKey, "unknown key `\(key)` in \(context)", at: pair.key.span,
                    notes: [Note("allowed keys: \(list)")])
            }
        }
    }

    /// Where a diagnostic about the mapping as a whole points: its first key, or its start when empty.
    var anchorSpan: SourceSpan {
        pairs.first?.key.span ?? node.span
    }

    func has(_ key: String) -> Bool { pairs.contains { $0.key.hasText(key) } }

    subscript(key: String) -> YAMLNode? {
        pairs.last { $0.key.hasText(key) }?.value
    }

    func keySpan(_ key: String) -> SourceSpan? {
        pairs.last { $0.key.hasText(key) }?.key.span
    }

    /// The value of a required key, reporting G107 when it is missing.
    func require(_ key: String) -> YAMLNode? {
        if let value = self[key] { return value }
        sink.emit(.missingField, "\(context) is missing required field `\(key)`", at: anchorSpan)
        return nil
    }

    /// Which of `keys` are present, in source order.
    func present(_ keys: [String]) -> [YAMLPair] {
        pairs.filter { pair in pair.key.text.map(keys.contains) ?? false }
    }

    /// Exactly one of `keys` must be present (an action, a condition, a probe). Returns it, or reports G114.
    func exactlyOne(of keys: [String], what: String) -> YAMLPair? {
        let found = present(keys)
        if found.count == 1 { return found[0] }
        if found.isEmpty {
            let list = keys.map { "`\($0)`" }.joined(separator: ", ")
            sink.emit(
                .exactlyOneOf, "\(context) needs exactly one \(what); found none", at: anchorSpan,
                notes: [Note("one of: \(list)")])
        } else {
            let names = found.compactMap(\.key.text).map { "`\($0)`" }.joined(separator: " and ")
            sink.emit(
                .exactlyOneOf, "\(context) has more than one \(what): \(names)", at: found[1].key.span,
                notes: [Note("the first is here", at: found[0].key.span)])
        }
        return nil
    }

    /// At most one of `keys`; reports G116 at the second.
    func atMostOne(of keys: [String]) -> YAMLPair? {
        let found = present(keys)
        if found.count > 1 {
            let names = found.compactMap(\.key.text).map { "`\($0)`" }.joined(separator: " and ")
            sink.emit(
                .conflictingFields, "\(context) cannot have both \(names)", at: found[1].key.span,
                notes: [Note("the first is here", at: found[0].key.span)])
        }
        return found.first
    }
}
