extension DocumentDecoder {
    func decodeGate(_ root: YAMLNode, _ header: DocumentHeader) -> Gate? {
        guard let r = rootReader(root, header, keys: ["checks"]), let n = r.require("checks"),
            let items = values.sequence(n, field: "checks")
        else { return nil }
        var g = Gate(header: header)
        if items.isEmpty { sink.emit(.outOfRange, "a gate needs at least one check", at: n.span) }
        g.checks = items.compactMap { check($0) }
        return g
    }

    private static let checkFields: [String: [String]] = [
        "availability": ["at_least", "window"], "time_to_heal": ["under"], "max_restarts": ["count"],
        "error_budget": ["downtime"],
    ]

    private func check(_ node: YAMLNode) -> Gate.Check? {
        let present = (node.mapping ?? []).filter { $0.key.text.map(Gate.Check.keywords.contains) ?? false }
        var allowed = Gate.Check.keywords
        if present.count == 1, let key = present[0].key.text {
            allowed = [key] + (Self.checkFields[key] ?? [])
        } else {
            allowed += ["at_least", "window", "under", "count", "downtime"]
        }
        guard let r = MappingReader(node, context: "gate check", allowed: allowed, sink: sink),
            let which = r.exactlyOne(of: Gate.Check.keywords, what: "check"), let key = which.key.text
        else { return nil }
        let v = which.value
        switch key {
        case "availability":
            guard let k = values.reference(v, field: key), let a = r.require("at_least"),
                let p = values.percent(a, field: "at_least")
            else { return nil }
            return .availability(
                k, atLeast: p.value, window: r["window"].flatMap { values.duration($0, field: "window")?.value })
        case "time_to_heal":
            guard let k = values.reference(v, field: key), let u = r.require("under"),
                let d = values.duration(u, field: "under")
            else { return nil }
            return .timeToHeal(k, under: d.value)
        case "max_restarts":
            guard let k = values.reference(v, field: key), let c = r.require("count"),
                let n = values.int(c, field: "count", range: 0...1_000_000)
            else { return nil }
            return .maxRestarts(k, count: n.value)
        case "error_budget":
            guard let k = values.reference(v, field: key), let d = r.require("downtime"),
                let budget = values.duration(d, field: "downtime")
            else { return nil }
            return .errorBudget(k, downtime: budget.value)
        case "data_loss":
            guard let t = values.string(v, field: key) else { return nil }
            guard t.value == "none" else {
                values.invalidChoice(v, text: t.value, field: "data_loss check", options: ["none"])
                return nil
            }
            return .dataLoss
        default:
            guard let t = values.string(v, field: key) else { return nil }
            guard t.value == "intact" else {
                values.invalidChoice(v, text: t.value, field: "journal check", options: ["intact"])
                return nil
            }
            return .journalIntact
        }
    }
}
