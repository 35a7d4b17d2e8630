extension DocumentDecoder {
    func decodeChaos(_ root: YAMLNode, _ header: DocumentHeader) -> ChaosScenario? {
        guard let r = rootReader(root, header, keys: ["inject", "expect", "gates", "repeat"]),
            let injectNode = r.require("inject"), let fault = fault(injectNode)
        else { return nil }
        var c = ChaosScenario(header: header, fault: fault)
        if let n = r["expect"],
            let e = MappingReader(
                n, context: "expect", allowed: ["trigger", "playbook", "healthy", "within"], sink: sink)
        {
            var x = ChaosScenario.Expectation()
            x.trigger = e["trigger"].flatMap { values.reference($0, field: "trigger") }
            x.playbook = e["playbook"].flatMap { values.reference($0, field: "playbook") }
            x.healthy = e["healthy"].map { values.references($0, field: "healthy") } ?? []
            x.within = e["within"].flatMap { values.duration($0, field: "within")?.value }
            c.expect = x
        }
        if let n = r["gates"] { c.gates = values.references(n, field: "gates") }
        if let n = r["repeat"] { c.repeatCount = values.int(n, field: "repeat", range: 1...10_000)?.value ?? 1 }
        return c
    }

    private static let faultFields: [String: [String]] = [
        "kill": ["signal"], "corrupt": ["file"], "exhaust_memory": ["size"], "emit_error": ["line"],
    ]

    private func fault(_ node: YAMLNode) -> ChaosScenario.Fault? {
        let present = (node.mapping ?? []).filter { $0.key.text.map(ChaosScenario.Fault.keywords.contains) ?? false }
        var allowed = ChaosScenario.Fault.keywords
        if present.count == 1, let key = present[0].key.text {
            allowed = [key] + (Self.faultFields[key] ?? [])
        } else {
            allowed += ["signal", "file", "size", "line"]
        }
        guard let r = MappingReader(node, context: "inject", allowed: allowed, sink: sink),
            let which = r.exactlyOne(of: ChaosScenario.Fault.keywords, what: "fault"), let key = which.key.text,
            let target = values.reference(which.value, field: key)
        else { return nil }
        switch key {
        case "kill": return .kill(target, signal: r["signal"].flatMap { values.signal($0, field: "signal")?.value })
        case "hang": return .hang(target)
        case "corrupt": return .corrupt(target, file: r["file"].flatMap { values.string($0, field: "file") })
        case "corrupt_playbook": return .corruptPlaybook(target)
        case "exhaust_memory":
            return .exhaustMemory(target, size: r["size"].flatMap { values.byteSize($0, field: "size")?.value })
        case "exhaust_cpu": return .exhaustCPU(target)
        case "silence": return .silence(target)
        case "kill_instance": return .killInstance(target)
        default: return .emitError(target, line: r["line"].flatMap { values.string($0, field: "line") })
        }
    }
}
