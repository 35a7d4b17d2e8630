extension DocumentDecoder {
    func decodeGrace(_ root: YAMLNode, _ header: DocumentHeader) -> GraceSettings? {
        guard
            let r = rootReader(
                root, header,
                keys: [
                    "state_dir", "include", "api", "instance", "limits", "snapshots", "knowledge", "agent",
                    "components", "supervision", "history",
                ])
        else { return nil }
        var g = GraceSettings(header: header)
        if let n = r["state_dir"], let s = values.string(n, field: "state_dir") { g.stateDir = s.value }
        if let n = r["include"] { g.include = values.strings(n, field: "include").map(\.value) }
        if let n = r["api"], let a = MappingReader(n, context: "api", allowed: ["listen", "rate"], sink: sink) {
            if let l = a["listen"], let listen = values.string(l, field: "listen") {
                if let colon = listen.value.lastIndex(of: ":"),
                    let port = Int(listen.value[listen.value.index(after: colon)...]), (1...65535).contains(port)
                {
                    g.apiListen = listen
                } else {
                    sink.emit(.invalidValue, "`\(listen.value)` is not `host:port`", at: listen.span)
                }
            }
            if let v = a["rate"],
                let rate = MappingReader(v, context: "rate", allowed: ["reads", "writes"], sink: sink)
            {
                if let x = rate["reads"], let c = values.int(x, field: "reads", range: 1...10_000_000) {
                    g.apiRate.reads = c.value
                }
                if let x = rate["writes"], let c = values.int(x, field: "writes", range: 1...10_000_000) {
                    g.apiRate.writes = c.value
                }
            }
        }
        if let n = r["instance"] { g.instance = values.reference(n, field: "instance") }
        if let n = r["limits"],
            let l = MappingReader(n, context: "limits", allowed: ["concurrent_runs", "rate"], sink: sink)
        {
            if let v = l["concurrent_runs"], let c = values.int(v, field: "concurrent_runs", range: 1...10_000) {
                g.limits.concurrentRuns = c.value
            }
            if let v = l["rate"], let rate = MappingReader(v, context: "rate", allowed: ["runs", "per"], sink: sink) {
                if let x = rate.require("runs"), let c = values.int(x, field: "runs", range: 1...1_000_000) {
                    g.limits.rateRuns = c.value
                }
                if let x = rate.require("per"), let d = values.duration(x, field: "per") { g.limits.ratePer = d.value }
            }
        }
        if let n = r["snapshots"],
            let s = MappingReader(n, context: "snapshots", allowed: ["every", "keep"], sink: sink)
        {
            if let v = s["every"] { g.snapshots.every = values.duration(v, field: "every")?.value }
            if let v = s["keep"],
                let k = MappingReader(v, context: "keep", allowed: ["last", "hourly", "daily"], sink: sink)
            {
                if let x = k["last"], let c = values.int(x, field: "last", range: 1...100_000) {
                    g.snapshots.keepLast = c.value
                }
                if let x = k["hourly"], let c = values.int(x, field: "hourly", range: 0...100_000) {
                    g.snapshots.keepHourly = c.value
                }
                if let x = k["daily"], let c = values.int(x, field: "daily", range: 0...100_000) {
                    g.snapshots.keepDaily = c.value
                }
            }
        }
        if let n = r["knowledge"],
            let k = MappingReader(
                n, context: "knowledge", allowed: ["success_window", "drop_below", "min_trials"], sink: sink)
        {
            if let v = k["success_window"], let d = values.duration(v, field: "success_window") {
                g.knowledge.successWindow = d.value
            }
            if let v = k["drop_below"], let p = values.percent(v, field: "drop_below") {
                g.knowledge.dropBelow = p.value.value / 100
            }
            if let v = k["min_trials"], let c = values.int(v, field: "min_trials", range: 1...10_000) {
                g.knowledge.minTrials = c.value
            }
        }
        if let n = r["agent"] { g.agent = agent(n) }
        if let n = r["components"], let pairs = n.mapping {
            for pair in pairs {
                guard let name = pair.key.text else { continue }
                guard GraceSettings.componentNames.contains(name) else {
                    let guess = Suggestion.closest(to: name, in: GraceSettings.componentNames)
                    sink.emit(
                        .unknownComponent,
                        "unknown component `\(name)`" + (guess.map { "; did you mean `\($0)`?" } ?? ""),
                        at: pair.key.span,
                        notes: [Note("components: " + GraceSettings.componentNames.joined(separator: ", "))],
                        fixIts: guess.map { [FixIt("replace with `\($0)`", span: pair.key.span, replacement: $0)] }
                            ?? [])
                    continue
                }
                if let c = MappingReader(
                    pair.value, context: "component `\(name)`", allowed: ["heartbeat"], sink: sink),
                    let h = c.require("heartbeat"), let d = values.duration(h, field: "heartbeat")
                {
                    g.componentHeartbeats[name] = d.value
                }
            }
        } else if let n = r["components"] {
            sink.emit(.wrongType, "`components` must be a mapping, found \(n.kindDescription)", at: n.span)
        }
        if let n = r["history"],
            let h = MappingReader(
                n, context: "history", allowed: ["raw", "downsample", "retention", "log_lines"], sink: sink)
        {
            if let v = h["raw"], let d = values.duration(v, field: "raw") { g.history.raw = d.value }
            if let v = h["downsample"], let d = values.duration(v, field: "downsample") {
                g.history.downsample = d.value
            }
            if let v = h["retention"], let d = values.duration(v, field: "retention") { g.history.retention = d.value }
            if let v = h["log_lines"], let c = values.int(v, field: "log_lines", range: 0...100_000) {
                g.history.logLinesPerSecond = c.value
            }
            if g.history.downsample < .seconds(1) {
                sink.emit(.invalidValue, "`downsample` must be at least 1s", at: h["downsample"]?.span ?? n.span)
            }
        }
        if let n = r["supervision"],
            let s = MappingReader(n, context: "supervision", allowed: ["component", "rebuild", "reexec"], sink: sink)
        {
            func intensity(_ key: String, into limit: inout Kernel.Intensity) {
                guard let v = s[key],
                    let i = MappingReader(v, context: key, allowed: ["max", "within"], sink: sink)
                else { return }
                if let m = i.require("max"), let c = values.int(m, field: "max", range: 1...1000) {
                    limit.max = c.value
                }
                if let w = i.require("within"), let d = values.duration(w, field: "within") { limit.within = d.value }
            }
            intensity("component", into: &g.supervision.component)
            intensity("rebuild", into: &g.supervision.rebuild)
            intensity("reexec", into: &g.supervision.reexec)
        }
        return g
    }

    private func agent(_ node: YAMLNode) -> GraceSettings.Agent {
        var a = GraceSettings.Agent()
        guard
            let m = MappingReader(
                node, context: "agent",
                allowed: [
                    "enabled", "planner", "endpoint", "model", "may_change", "protected", "max_commits_per_hour",
                    "verify", "task_timeout",
                ],
                sink: sink)
        else { return a }
        if let v = m["enabled"] { a.enabled = values.bool(v, field: "enabled") ?? false }
        if let v = m["planner"] {
            a.planner = values.oneOf(v, field: "planner", as: GraceSettings.Planner.self)?.value ?? .rules
        }
        if let v = m["endpoint"] { a.endpoint = values.url(v, field: "endpoint")?.value }
        if let v = m["model"] { a.model = values.string(v, field: "model")?.value }
        if let v = m["may_change"], let items = values.sequence(v, field: "may_change") {
            a.mayChange = items.compactMap { values.oneOf($0, field: "kind", as: DocumentKind.self)?.value }
        }
        if let v = m["protected"] { a.protected = values.references(v, field: "protected") }
        if let v = m["max_commits_per_hour"], let c = values.int(v, field: "max_commits_per_hour", range: 0...10_000) {
            a.maxCommitsPerHour = c.value
        }
        if let v = m["verify"], let items = values.sequence(v, field: "verify") {
            a.verify = items.compactMap { values.command($0, field: "verify") }
        }
        if let v = m["task_timeout"], let d = values.duration(v, field: "task_timeout") { a.taskTimeout = d.value }
        if a.planner == .llm && a.endpoint == nil {
            sink.emit(.missingField, "agent with `planner: llm` needs an `endpoint`", at: m.anchorSpan)
        }
        return a
    }
}
