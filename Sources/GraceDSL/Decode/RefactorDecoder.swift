extension DocumentDecoder {
    func decodeRefactor(_ root: YAMLNode, _ header: DocumentHeader) -> RefactorIntent? {
        guard
            let r = rootReader(root, header, keys: ["intent", "target", "bounds", "from", "approval", "verify"]),
            let intentNode = r.require("intent"), let targetNode = r.require("target"),
            let intent = values.oneOf(intentNode, field: "intent", as: RefactorIntent.Intent.self),
            let t = MappingReader(
                targetNode, context: "refactor target", allowed: ["kind", "name", "field"], sink: sink),
            let kindNode = t.require("kind"), let kind = values.oneOf(kindNode, field: "kind", as: DocumentKind.self)
        else { return nil }
        let target = RefactorIntent.Target(
            kind: kind, name: t["name"].flatMap { values.reference($0, field: "name") },
            field: t["field"].flatMap { values.string($0, field: "field") })
        var ri = RefactorIntent(header: header, intent: intent.value, target: target)
        if let n = r["bounds"], let b = MappingReader(n, context: "bounds", allowed: ["min", "max"], sink: sink) {
            ri.boundsMin = b["min"]
            ri.boundsMax = b["max"]
        }
        if let n = r["from"],
            let f = MappingReader(
                n, context: "refactor source", allowed: ["metric", "kernel", "percentile", "window", "margin"],
                sink: sink),
            let metricNode = f.require("metric"),
            let metric = values.oneOf(metricNode, field: "metric", as: Metric.self)
        {
            ri.from = RefactorIntent.Source(
                metric: metric, kernel: f["kernel"].flatMap { values.reference($0, field: "kernel") },
                percentile: f["percentile"].flatMap { values.number($0, field: "percentile", range: 1...100)?.value }
                    ?? 99,
                window: f["window"].flatMap { values.duration($0, field: "window")?.value } ?? .seconds(3600),
                margin: f["margin"].flatMap { values.percent($0, field: "margin")?.value })
        }
        if let n = r["approval"] {
            ri.approval = values.oneOf(n, field: "approval", as: RefactorIntent.Approval.self)?.value ?? ri.approval
        }
        if let n = r["verify"], let items = values.sequence(n, field: "verify") {
            ri.verify = items.compactMap { values.command($0, field: "verify") }
        }
        return ri
    }
}
