/// Decodes YAML documents into typed `Document`s, reporting every shape and value problem on the way.
///
/// Decoding is lenient: a bad field is reported and skipped, and the rest of the document is still decoded so
/// that one run reports as much as possible. Cross-document checks happen later, in `Checker`.
struct DocumentDecoder {
    let sink: DiagnosticSink
    var values: ValueReader { ValueReader(sink: sink) }

    static let commonKeys = ["kind", "name", "description", "labels"]

    func decode(_ document: YAMLDocument) -> Document? {
        guard let root = document.root else { return nil }
        guard root.mapping != nil else {
            sink.emit(
                .documentNotMapping,
                "a document must be a mapping with `kind` and `name`, found \(root.kindDescription)", at: root.span)
            return nil
        }
        guard let kindNode = root["kind"] else {
            sink.emit(
                .missingKind, "document has no `kind`", at: root.mapping?.first?.key.span ?? root.span,
                notes: [Note("kinds: " + DocumentKind.allCases.map(\.rawValue).joined(separator: ", "))])
            return nil
        }
        guard let kindText = kindNode.text, !kindNode.isNull else {
            sink.emit(.wrongType, "`kind` must be a string, found \(kindNode.kindDescription)", at: kindNode.span)
            return nil
        }
        guard let kind = DocumentKind(rawValue: kindText) else {
            let kinds = DocumentKind.allCases.map(\.rawValue)
            if let guess = Suggestion.closest(to: kindText, in: kinds) {
                sink.emit(
                    .unknownKind, "unknown kind `\(kindText)`; did you mean `\(guess)`?", at: kindNode.span,
                    fixIts: [FixIt("replace with `\(guess)`", span: kindNode.span, replacement: guess)])
            } else {
                sink.emit(
                    .unknownKind, "unknown kind `\(kindText)`", at: kindNode.span,
                    notes: [Note("kinds: " + kinds.joined(separator: ", "))])
            }
            return nil
        }
        guard let header = header(kind: kind, root: root, document: document) else { return nil }
        switch kind {
        case .grace: return decodeGrace(root, header).map(Document.grace)
        case .kernel: return decodeKernel(root, header).map(Document.kernel)
        case .trigger: return decodeTrigger(root, header).map(Document.trigger)
        case .playbook: return decodePlaybook(root, header).map(Document.playbook)
        case .signature: return decodeSignature(root, header).map(Document.signature)
        case .refactor: return decodeRefactor(root, header).map(Document.refactor)
        case .fleet: return decodeFleet(root, header).map(Document.fleet)
        case .chaos: return decodeChaos(root, header).map(Document.chaos)
        case .gate: return decodeGate(root, header).map(Document.gate)
        }
    }

    static func isValidName(_ name: String) -> Bool {
        guard (1...63).contains(name.utf8.count), let first = name.unicodeScalars.first,
            isLowerAlnum(first)
        else { return false }
        return name.unicodeScalars.allSatisfy { isLowerAlnum($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }

    private static func isLowerAlnum(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("0"..."9").contains(c)
    }

    private func header(kind: DocumentKind, root: YAMLNode, document: YAMLDocument) -> DocumentHeader? {
        guard let nameNode = root["name"] else {
            sink.emit(
                .missingName, "\(kind.rawValue) document has no `name`", at: root.mapping?.first?.key.span ?? root.span)
            return nil
        }
        guard let name = nameNode.text, !nameNode.isNull, nameNode.scalar != nil else {
            sink.emit(.wrongType, "`name` must be a string, found \(nameNode.kindDescription)", at: nameNode.span)
            return nil
        }
        guard Self.isValidName(name) else {
            let fixed = name.lowercased().map { c -> Character in
                c.isLetter || c.isNumber || c == "-" || c == "_" || c == "." ? c : "-"
            }
            let suggestion = String(fixed)
            let fixIts =
                Self.isValidName(suggestion)
                ? [FixIt("use `\(suggestion)`", span: nameNode.span, replacement: suggestion)] : []
            sink.emit(
                .invalidName,
                "`\(name)` is not a valid name: use 1-63 lowercase letters, digits, `-`, `_` or `.`, "
                    + "starting with a letter or digit",
                at: nameNode.span, fixIts: fixIts)
            return nil
        }
        var header = DocumentHeader(
            kind: kind, name: Located(name, at: nameNode.span), span: root.span)
        if let d = root["description"] { header.description = values.string(d, field: "description")?.value }
        if let l = root["labels"] { header.labels = values.stringMap(l, field: "labels") }
        return header
    }

    /// A reader for the document root: the kind's own keys plus the common ones.
    func rootReader(_ root: YAMLNode, _ header: DocumentHeader, keys: [String]) -> MappingReader? {
        MappingReader(
            root, context: "\(header.kind.rawValue) `\(header.name.value)`", allowed: Self.commonKeys + keys,
            sink: sink)
    }

    /// `with:` arguments, kept as written.
    func arguments(_ node: YAMLNode) -> [PlaybookArgument] {
        guard let pairs = node.mapping else {
            sink.emit(
                .wrongType, "`with` must be a mapping of parameters, found \(node.kindDescription)", at: node.span)
            return []
        }
        return pairs.compactMap { pair in
            guard let key = pair.key.text else { return nil }
            return PlaybookArgument(name: Located(key, at: pair.key.span), value: pair.value)
        }
    }
}
