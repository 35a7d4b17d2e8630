extension DocumentDecoder {
    func decodeChaos(_ root: YAMLNode, _ header: DocumentHeader) -> ChaosScenario? {
        guard let r = rootReader(root, header, keys: ["inject", "expect", "probes", "gates", "repeat"]),
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
        if let n = r["probes"], let items = values.sequence(n, field: "probes") {
            c.probes = items.compactMap { probe($0) }
        }
        if let n = r["gates"] { c.gates = values.references(n, field: "gates") }
        if let n = r["repeat"] { c.repeatCount = values.int(n, field: "repeat", range: 1...10_000)?.value ?? 1 }
        return c
    }

    private func probe(_ node: YAMLNode) -> ChaosScenario.Probe? {
        guard
            let r = MappingReader(
                node, context: "probe",
                allowed: [
                    "name", "http", "cmd", "prom", "status", "contains", "query", "below", "above", "mode", "every",
                    "timeout", "at_least",
                ],
                sink: sink),
            let name = r.require("name").flatMap({ values.string($0, field: "name") }),
            let which = r.exactlyOne(of: ["http", "cmd", "prom"], what: "probe kind"), let key = which.key.text
        else { return nil }
        // What a check compares: `status` and `contains` for http and cmd, `query` with `below`/`above` for prom.
        let applies = key == "prom" ? ["query", "below", "above"] : ["status", "contains"]
        for field in ["status", "contains", "query", "below", "above"] where !applies.contains(field) {
            guard let n = r[field] else { continue }
            sink.emit(
                .conflictingFields,
                "`\(field)` does not apply to a `\(key)` probe; probe `\(name.value)` compares "
                    + applies.map { "`\($0)`" }.joined(separator: ", "),
                at: n.span, notes: [Note("its kind", at: which.key.span)])
        }
        let check: ChaosScenario.Probe.Check
        switch key {
        case "http":
            let status = r["status"].flatMap { values.int($0, field: "status", range: 100...599) }
            guard let url = values.url(which.value, field: "http") else { return nil }
            check = .http(url, status: status?.value)
        case "cmd":
            let status = r["status"].flatMap { values.int($0, field: "status", range: 0...255) }
            guard let command = values.command(which.value, field: "cmd") else { return nil }
            check = .cmd(command, status: status?.value)
        default:
            let below = r["below"].flatMap { values.number($0, field: "below") }
            let above = r["above"].flatMap { values.number($0, field: "above") }
            if !r.has("below") && !r.has("above") {
                sink.emit(
                    .missingField,
                    "prom probe `\(name.value)` compares its query's samples with nothing: give `below`, `above` "
                        + "or both", at: which.key.span)
            }
            if let below, let above, below.value <= above.value {
                sink.emit(
                    .probeCannotPass,
                    "prom probe `\(name.value)` can never pass: no sample is below \(Self.numberText(below.value)) and "
                        + "above \(Self.numberText(above.value))", at: below.span,
                    notes: [Note("`above`", at: above.span)])
            }
            guard let url = values.url(which.value, field: "prom"),
                let query = r.require("query").flatMap({ values.string($0, field: "query") }),
                below != nil || above != nil
            else { return nil }
            check = .prom(url, query: query, below: below?.value, above: above?.value)
        }
        let mode = r["mode"].flatMap { values.oneOf($0, field: "mode", as: ChaosScenario.Probe.Mode.self) }
        var p = ChaosScenario.Probe(name: name, check: check, mode: mode?.value ?? .edge)
        if key != "prom" { p.contains = r["contains"].flatMap { values.string($0, field: "contains") } }
        p.timeout = r["timeout"].flatMap { values.duration($0, field: "timeout")?.value }
        // `every` and `at_least` count repeated checks: on a probe checked once they would mean nothing.
        for field in ["every", "at_least"] {
            guard let n = r[field] else { continue }
            guard p.mode.repeated else {
                sink.emit(
                    .conflictingFields,
                    "`\(field)` applies to a `continuous` or `on_chaos` probe; probe `\(name.value)` (mode "
                        + "`\(p.mode.rawValue)`) is checked once", at: n.span,
                    notes: [
                        mode.map { Note("its mode", at: $0.span) }
                            ?? Note(
                                "it has no `mode`, so it is `edge`: checked before the fault and after the rollbacks")
                    ])
                continue
            }
            if field == "every" {
                p.every = values.duration(n, field: field)?.value
            } else {
                p.atLeast = values.percent(n, field: field)?.value
            }
        }
        return p
    }

    /// A number as written in a diagnostic: 5, not 5.0.
    static func numberText(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }

    private func fault(_ node: YAMLNode) -> ChaosScenario.Fault? {
        let keywords = ChaosScenario.Fault.keywords
        let present = (node.mapping ?? []).filter { $0.key.text.map(keywords.contains) ?? false }
        var allowed = keywords
        if present.count == 1, let key = present[0].key.text {
            allowed = [key] + (ChaosScenario.Fault.fields[key] ?? [])
        } else {
            allowed += Set(ChaosScenario.Fault.fields.values.joined()).sorted()
        }
        guard let r = MappingReader(node, context: "inject", allowed: allowed, sink: sink),
            let which = r.exactlyOne(of: keywords, what: "fault"), let key = which.key.text
        else { return nil }
        // `stress` names the host, not a document: `host` is its only value, as `none` is `data_loss`'s.
        let target: Located<String>?
        if key == "stress" {
            target = values.string(which.value, field: key)
            if let t = target, t.value != "host" {
                values.invalidChoice(which.value, text: t.value, field: "stress fault", options: ["host"])
                return nil
            }
        } else {
            target = values.reference(which.value, field: key)
        }
        guard let target else { return nil }
        func string(_ field: String) -> Located<String>? { r[field].flatMap { values.string($0, field: field) } }
        func bytes(_ field: String) -> ByteSize? { r[field].flatMap { values.byteSize($0, field: field)?.value } }
        func duration(_ field: String) -> Duration? { r[field].flatMap { values.duration($0, field: field)?.value } }
        func int(_ field: String, _ range: ClosedRange<Int>) -> Int? {
            r[field].flatMap { values.int($0, field: field, range: range)?.value }
        }
        // The drill POSTs to these: http(s) URLs, checked here rather than when a drill fails on them.
        func url(_ field: String) -> Located<String>? { r[field].flatMap { values.url($0, field: field) } }
        func endpoint(_ field: String) -> ChaosScenario.Fault.Endpoint? {
            url(field).map { .init(url: $0, undo: url("undo")) }
        }
        switch key {
        case "kill": return .kill(target, signal: r["signal"].flatMap { values.signal($0, field: "signal")?.value })
        case "hang": return .hang(target)
        case "corrupt": return .corrupt(target, file: string("file"))
        case "corrupt_playbook": return .corruptPlaybook(target)
        case "exhaust_memory": return .exhaustMemory(target, size: bytes("size"), via: endpoint("via"))
        case "exhaust_cpu": return .exhaustCPU(target, via: endpoint("via"))
        case "silence": return .silence(target, via: endpoint("via"))
        case "kill_instance": return .killInstance(target)
        case "emit_error": return .emitError(target, line: string("line"))
        case "disk_full":
            return .diskFull(target, path: string("path"), size: bytes("size"), via: endpoint("via"))
        case "bind_port": return .bindPort(target, port: int("port", 1...65_535))
        case "partition": return .partition(target, duration: duration("for"))
        case "delay":
            return .delay(target, by: duration("by"), port: int("port", 1...65_535), duration: duration("for"))
        case "stress":
            return .stress(target, cpu: int("cpu", 1...1024), memory: bytes("memory"), duration: duration("for"))
        case "storm": return .storm(target, line: string("line"), count: int("count", 1...100_000))
        default:
            guard let inject = r.require("url").flatMap({ values.url($0, field: "url") }) else { return nil }
            return .failpoint(target, .init(url: inject, undo: url("undo")))
        }
    }
}
