import Foundation

extension DocumentDecoder {
    func decodeKernel(_ root: YAMLNode, _ header: DocumentHeader) -> Kernel? {
        let keys = [
            "tier", "command", "cwd", "env", "user", "group", "depends_on", "ports", "restart", "stop", "health",
            "ready", "start_timeout", "watchdog", "logs", "data", "limits", "enabled", "on_standby",
        ]
        guard let r = rootReader(root, header, keys: keys) else { return nil }
        var k = Kernel(header: header)
        if let n = r["tier"] { k.tier = values.oneOf(n, field: "tier", as: Kernel.Tier.self)?.value ?? k.tier }
        if let n = r.require("command") { k.command = values.command(n, field: "command") }
        if let n = r["cwd"] { k.cwd = values.string(n, field: "cwd")?.value }
        if let n = r["env"] { k.env = values.stringMap(n, field: "env") }
        if let n = r["user"] { k.user = values.string(n, field: "user")?.value }
        if let n = r["group"] { k.group = values.string(n, field: "group")?.value }
        if let n = r["depends_on"] { k.dependsOn = values.references(n, field: "depends_on") }
        if let n = r["ports"], let items = values.sequence(n, field: "ports") {
            k.ports = items.compactMap { values.int($0, field: "ports", range: 1...65535) }
        }
        if let n = r["restart"] { k.restart = restartPolicy(n) }
        if let n = r["stop"], let s = MappingReader(n, context: "stop", allowed: ["signal", "grace"], sink: sink) {
            if let v = s["signal"], let sig = values.signal(v, field: "signal") { k.stop.signal = sig.value }
            if let v = s["grace"], let d = values.duration(v, field: "grace", allowZero: true) {
                k.stop.grace = d.value
            }
        }
        if let n = r["health"] { k.health = healthProbe(n) }
        if let n = r["ready"] {
            k.ready = values.oneOf(n, field: "ready", as: Kernel.Readiness.self)?.value ?? k.ready
        }
        if let n = r["start_timeout"], let d = values.duration(n, field: "start_timeout") {
            k.startTimeout = d.value
        }
        if let n = r["watchdog"] { k.watchdog = values.duration(n, field: "watchdog")?.value }
        if let n = r["logs"] { k.logs = logSettings(n) }
        if let n = r["data"] { k.data = values.strings(n, field: "data") }
        if let n = r["limits"] { k.limits = limits(n) }
        if let n = r["enabled"] { k.enabled = values.bool(n, field: "enabled") ?? true }
        if let n = r["on_standby"] { k.onStandby = standbyMode(n) }
        return k
    }

    private func standbyMode(_ node: YAMLNode) -> Kernel.StandbyMode? {
        if case .scalar = node.content {
            guard let word = values.string(node, field: "on_standby") else { return nil }
            switch word.value {
            case "stop": return .stop
            case "run": return .run
            default:
                sink.emit(
                    .invalidValue,
                    "`on_standby` is `stop`, `run`, or a mapping with the replica's `command` and `env`",
                    at: word.span)
                return nil
            }
        }
        guard let m = MappingReader(node, context: "on_standby", allowed: ["command", "env"], sink: sink) else {
            return nil
        }
        return .replica(
            command: m["command"].flatMap { values.command($0, field: "command") },
            env: m["env"].map { values.stringMap($0, field: "env") } ?? [:])
    }

    private func restartPolicy(_ node: YAMLNode) -> Kernel.RestartPolicy {
        var p = Kernel.RestartPolicy()
        guard
            let r = MappingReader(
                node, context: "restart", allowed: ["policy", "backoff", "intensity", "stable_after"], sink: sink)
        else { return p }
        if let n = r["policy"] {
            p.mode = values.oneOf(n, field: "restart policy", as: Kernel.RestartMode.self)?.value ?? p.mode
        }
        if let n = r["backoff"],
            let b = MappingReader(n, context: "backoff", allowed: ["initial", "max", "factor", "jitter"], sink: sink)
        {
            if let v = b["initial"], let d = values.duration(v, field: "initial", allowZero: true) {
                p.backoff.initial = d.value
            }
            if let v = b["max"], let d = values.duration(v, field: "max") { p.backoff.max = d.value }
            if let v = b["factor"], let f = values.number(v, field: "factor", range: 1...100) {
                p.backoff.factor = f.value
            }
            if let v = b["jitter"], let j = values.percent(v, field: "jitter") { p.backoff.jitter = j.value }
            if let v = b["max"], p.backoff.max < p.backoff.initial {
                sink.emit(
                    .outOfRange,
                    "backoff `max` (\(DurationParser.format(p.backoff.max))) is shorter than `initial` "
                        + "(\(DurationParser.format(p.backoff.initial)))", at: v.span)
            }
        }
        if let n = r["intensity"],
            let i = MappingReader(n, context: "intensity", allowed: ["max", "within"], sink: sink)
        {
            if let v = i.require("max"), let m = values.int(v, field: "max", range: 1...100_000) {
                p.intensity.max = m.value
            }
            if let v = i.require("within"), let d = values.duration(v, field: "within") { p.intensity.within = d.value }
        }
        if let n = r["stable_after"], let d = values.duration(n, field: "stable_after") { p.stableAfter = d.value }
        return p
    }

    private func healthProbe(_ node: YAMLNode) -> Kernel.HealthProbe? {
        guard
            let r = MappingReader(
                node, context: "health probe",
                allowed: ["http", "tcp", "exec", "file", "every", "timeout", "failures", "start_period", "expect"],
                sink: sink)
        else { return nil }
        guard
            let which = r.exactlyOne(
                of: ["http", "tcp", "exec", "file"], what: "probe (`http`, `tcp`, `exec` or `file`)"),
            let key = which.key.text
        else { return nil }
        let check: Kernel.ProbeCheck
        switch key {
        case "http":
            guard let url = values.url(which.value, field: "http") else { return nil }
            var expect: Int?
            if let e = r["expect"] { expect = values.int(e, field: "expect", range: 100...599)?.value }
            check = .http(url: url.value, expect: expect)
        case "tcp":
            guard let text = values.string(which.value, field: "tcp") else { return nil }
            guard let colon = text.value.lastIndex(of: ":"),
                let port = Int(text.value[text.value.index(after: colon)...]), (1...65535).contains(port),
                colon > text.value.startIndex
            else {
                sink.emit(.invalidValue, "`\(text.value)` is not `host:port`", at: text.span)
                return nil
            }
            check = .tcp(host: String(text.value[..<colon]), port: port)
        case "exec":
            guard let c = values.command(which.value, field: "exec") else { return nil }
            check = .exec(c)
        default:
            guard let path = values.string(which.value, field: "file") else { return nil }
            check = .file(path: path.value)
        }
        if key != "http", let e = r.keySpan("expect") {
            sink.emit(.conflictingFields, "`expect` applies only to `http` probes", at: e)
        }
        var probe = Kernel.HealthProbe(check: check)
        if let v = r["every"], let d = values.duration(v, field: "every") { probe.every = d.value }
        if let v = r["timeout"], let d = values.duration(v, field: "timeout") { probe.timeout = d.value }
        if let v = r["failures"], let n = values.int(v, field: "failures", range: 1...1000) { probe.failures = n.value }
        if let v = r["start_period"], let d = values.duration(v, field: "start_period", allowZero: true) {
            probe.startPeriod = d.value
        }
        return probe
    }

    private func logSettings(_ node: YAMLNode) -> Kernel.LogSettings {
        var logs = Kernel.LogSettings()
        guard
            let r = MappingReader(node, context: "logs", allowed: ["format", "masks", "error_levels"], sink: sink)
        else { return logs }
        if let n = r["format"], let f = values.string(n, field: "format") {
            logs.format = f
            logs.fields = LogFormat.fields(of: f.value) ?? []
        }
        if let n = r["masks"] { logs.masks = values.strings(n, field: "masks") }
        if let n = r["error_levels"] { logs.errorLevels = values.strings(n, field: "error_levels").map(\.value) }
        return logs
    }

    private func limits(_ node: YAMLNode) -> Kernel.ResourceLimits {
        var l = Kernel.ResourceLimits()
        guard
            let r = MappingReader(node, context: "limits", allowed: ["memory", "cpu", "nofile", "nproc"], sink: sink)
        else { return l }
        if let n = r["memory"] { l.memory = values.byteSize(n, field: "memory")?.value }
        if let n = r["cpu"] {
            // CPU limits may exceed 100% (several cores), so the percent range check is relaxed here.
            if let s = n.text, let p = Percent.parse(s), p.value > 0 {
                l.cpu = p
            } else {
                sink.emit(
                    .invalidPercent, "`\(n.text ?? n.kindDescription)` is not a CPU share; write e.g. `50%` or `200%`",
                    at: n.span)
            }
        }
        if let n = r["nofile"] { l.nofile = values.int(n, field: "nofile", range: 1...1 << 30)?.value }
        if let n = r["nproc"] { l.nproc = values.int(n, field: "nproc", range: 1...1 << 30)?.value }
        return l
    }
}

/// Log line formats in the logpai style: `<Date> <Time> <Level> <Component>: <Content>`.
public enum LogFormat {
    /// The placeholder names of a format in order; nil when the format is malformed.
    public static func fields(of format: String) -> [String]? {
        var fields: [String] = []
        var rest = Substring(format)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { return nil }
            let name = rest[rest.index(after: open)..<close]
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
            fields.append(String(name))
            rest = rest[rest.index(after: close)...]
        }
        return fields
    }
}
