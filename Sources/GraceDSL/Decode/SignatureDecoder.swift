extension DocumentDecoder {
    func decodeSignature(_ root: YAMLNode, _ header: DocumentHeader) -> Signature? {
        guard
            let r = rootReader(
                root, header, keys: ["kernel", "pattern", "regex", "severity", "playbook", "with", "examples"])
        else { return nil }
        let matcherPair = r.exactlyOne(of: ["pattern", "regex"], what: "matcher (`pattern` or `regex`)")
        let playbookNode = r["playbook"]
        guard let matcherPair, let key = matcherPair.key.text,
            let text = values.string(matcherPair.value, field: key)
        else { return nil }
        let playbook = playbookNode.flatMap { values.reference($0, field: "playbook") }
        var s = Signature(header: header, matcher: key == "regex" ? .regex(text) : .pattern(text), playbook: playbook)
        if let n = r["kernel"] { s.kernel = values.reference(n, field: "kernel") }
        if let n = r["severity"] {
            s.severity = values.oneOf(n, field: "severity", as: Signature.Severity.self)?.value ?? s.severity
        }
        if let n = r["with"] {
            s.with = arguments(n)
            s.withKeySpan = r.keySpan("with")
        }
        if let n = r["examples"] { s.examples = values.strings(n, field: "examples") }
        return s
    }
}
