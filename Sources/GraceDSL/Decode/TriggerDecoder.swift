extension DocumentDecoder {
    func decodeTrigger(_ root: YAMLNode, _ header: DocumentHeader) -> Trigger? {
        guard
            let r = rootReader(root, header, keys: ["when", "run", "with", "cooldown", "coalesce", "enabled"]),
            let whenNode = r.require("when"), let when = condition(whenNode)
        else { return nil }
        var t = Trigger(header: header, when: when)
        if let n = r["run"] {
            t.run = values.reference(n, field: "run")
        } else if case .signature(let target, _, _, _) = when.condition, target.value == "known" {
            // `signature: known` runs whichever playbook the matched signature is bound to.
        } else {
            _ = r.require("run")
        }
        if let n = r["with"] {
            t.with = arguments(n)
            t.withKeySpan = r.keySpan("with")
        }
        if let n = r["cooldown"] { t.cooldown = values.duration(n, field: "cooldown", allowZero: true)?.value }
        if let n = r["coalesce"] { t.coalesce = values.duration(n, field: "coalesce", allowZero: true)?.value }
        if let n = r["enabled"] { t.enabled = values.bool(n, field: "enabled") ?? true }
        return t
    }

    /// The keys of `node` that name a kind (of condition, action, fault). A keyword that is also a field of
    /// another present kind is read as that field: `{file: x, every: 10s}` is a file condition checked every
    /// 10s, not two conditions; `{stop: api, signal: SIGINT}` is one stop step.
    static func discriminators(in node: YAMLNode, keywords: [String], fields: [String: [String]]) -> [YAMLPair] {
        let present = (node.mapping ?? []).filter { $0.key.text.map(keywords.contains) ?? false }
        guard present.count > 1 else { return present }
        let names = present.compactMap(\.key.text)
        let owned = Set(names.flatMap { fields[$0] ?? [] })
        let remaining = present.filter { !owned.contains($0.key.text ?? "") }
        return remaining.isEmpty ? present : remaining
    }

    /// Fields each condition kind allows besides its own key.
    private static let conditionFields: [String: [String]] = [
        "exit": ["codes", "signals", "expected"],
        "health": ["failures"],
        "silence": ["within"],
        "metric": ["kernel", "above", "below", "for"],
        "predict": ["kernel", "above", "below", "within", "window"],
        "anomaly": ["kernel", "z", "alpha", "warmup"],
        "log": ["kernel", "stream", "count", "within"],
        "signature": ["kernel", "count", "within"],
        "file": ["kernel", "every"],
        "certificate": ["kernel", "within", "every"],
        "restarts": ["count", "within"],
        "gave_up": [],
        "config": ["paths"],
        "deadlock": ["for"],
        "member_lost": ["fleet"],
        "every": [],
        "cron": ["timezone"],
        "all": ["within"],
        "any": [],
    ]

    func condition(_ node: YAMLNode) -> ConditionNode? {
        guard node.mapping != nil else {
            sink.emit(
                .wrongType, "`when` must be a mapping such as `{exit: api}`, found \(node.kindDescription)",
                at: node.span)
            return nil
        }
        // Find the discriminating key first, so unknown keys are judged against that condition's own fields.
        let present = Self.discriminators(in: node, keywords: Condition.keywords, fields: Self.conditionFields)
        let allowed: [String]
        if present.count == 1, let key = present[0].key.text {
            allowed = [key] + (Self.conditionFields[key] ?? [])
        } else {
            allowed = Condition.keywords + Array(Set(Self.conditionFields.values.flatMap { $0 })).sorted()
        }
        let context = present.count == 1 ? "`\(present[0].key.text ?? "")` condition" : "condition"
        guard let r = MappingReader(node, context: context, allowed: allowed, sink: sink),
            let which = r.exactlyOne(
                of: present.count == 1 ? present.compactMap(\.key.text) : Condition.keywords, what: "condition kind"),
            let key = which.key.text
        else { return nil }
        let v = which.value
        guard let c = conditionBody(key, v, r) else { return nil }
        return ConditionNode(condition: c, span: node.span, valueSpan: v.span, source: node)
    }

    private func optionalKernel(_ r: MappingReader) -> Located<String>? {
        r["kernel"].flatMap { values.reference($0, field: "kernel") }
    }

    private func count(_ r: MappingReader, default value: Int = 1) -> Int {
        r["count"].flatMap { values.int($0, field: "count", range: 1...1_000_000)?.value } ?? value
    }

    private func conditionBody(_ key: String, _ v: YAMLNode, _ r: MappingReader) -> Condition? {
        switch key {
        case "exit":
            guard let target = values.reference(v, field: "exit") else { return nil }
            let codes =
                r["codes"].flatMap { values.sequence($0, field: "codes") }?
                .compactMap { values.int($0, field: "codes", range: 0...255)?.value } ?? []
            let signals =
                r["signals"].flatMap { values.sequence($0, field: "signals") }?
                .compactMap { values.signal($0, field: "signals")?.value } ?? []
            let expected = r["expected"].flatMap { values.bool($0, field: "expected") } ?? false
            return .exit(target: target, codes: codes, signals: signals, expected: expected)
        case "health":
            guard let target = values.reference(v, field: "health") else { return nil }
            return .health(
                target: target,
                failures: r["failures"].flatMap { values.int($0, field: "failures", range: 1...1000)?.value })
        case "silence":
            guard let target = values.reference(v, field: "silence") else { return nil }
            return .silence(target: target, within: r["within"].flatMap { values.duration($0, field: "within")?.value })
        case "metric", "predict", "anomaly":
            guard let metric = values.oneOf(v, field: "metric", as: Metric.self) else { return nil }
            let kernel = optionalKernel(r)
            if key == "anomaly" {
                let z = r["z"].flatMap { values.number($0, field: "z", range: 0.1...100)?.value } ?? 3
                let alpha = r["alpha"].flatMap { values.number($0, field: "alpha", range: 0.0001...1)?.value } ?? 0.1
                let warmup = r["warmup"].flatMap { values.int($0, field: "warmup", range: 1...100_000)?.value } ?? 30
                return .anomaly(metric: metric, kernel: kernel, z: z, alpha: alpha, warmup: warmup)
            }
            guard let threshold = threshold(r, metric: metric.value) else { return nil }
            if key == "metric" {
                return .metric(
                    metric: metric, kernel: kernel, threshold: threshold,
                    for: r["for"].flatMap { values.duration($0, field: "for", allowZero: true)?.value })
            }
            guard let withinNode = r.require("within"), let within = values.duration(withinNode, field: "within")
            else { return nil }
            let window = r["window"].flatMap { values.duration($0, field: "window")?.value } ?? .seconds(300)
            return .predict(metric: metric, kernel: kernel, threshold: threshold, within: within.value, window: window)
        case "log":
            guard let pattern = values.string(v, field: "log") else { return nil }
            let stream =
                r["stream"].flatMap { values.oneOf($0, field: "stream", as: Condition.Stream.self)?.value } ?? .any
            return .log(
                pattern: pattern, kernel: optionalKernel(r), stream: stream, count: count(r),
                within: r["within"].flatMap { values.duration($0, field: "within")?.value })
        case "signature":
            guard let target = values.reference(v, field: "signature") else { return nil }
            return .signature(
                target: target, kernel: optionalKernel(r), count: count(r),
                within: r["within"].flatMap { values.duration($0, field: "within")?.value })
        case "file":
            guard let path = values.string(v, field: "file") else { return nil }
            return .file(
                path: path, kernel: optionalKernel(r),
                every: r["every"].flatMap { values.duration($0, field: "every")?.value })
        case "certificate":
            guard let path = values.string(v, field: "certificate") else { return nil }
            let within = r["within"].map { values.duration($0, field: "within")?.value }
            if case .some(.none) = within { return nil }
            return .certificate(
                path: path, kernel: optionalKernel(r), within: within.flatMap { $0 } ?? Self.certificateWindow,
                every: r["every"].flatMap { values.duration($0, field: "every")?.value })
        case "restarts":
            guard let target = values.reference(v, field: "restarts") else { return nil }
            let countNode = r.require("count")
            let withinNode = r.require("within")
            guard let c = countNode.flatMap({ values.int($0, field: "count", range: 1...1_000_000) }),
                let w = withinNode.flatMap({ values.duration($0, field: "within") })
            else { return nil }
            return .restarts(target: target, count: c.value, within: w.value)
        case "gave_up":
            guard let target = values.reference(v, field: "gave_up") else { return nil }
            return .gaveUp(target: target)
        case "config":
            guard let text = values.string(v, field: "config") else { return nil }
            guard text.value == "invalid" else {
                values.invalidChoice(v, text: text.value, field: "config condition", options: ["invalid"])
                return nil
            }
            return .configInvalid(paths: r["paths"].map { values.strings($0, field: "paths").map(\.value) } ?? [])
        case "deadlock":
            let members = values.references(v, field: "deadlock")
            if members.count < 2 {
                sink.emit(.outOfRange, "`deadlock` needs at least two members to be a deadlock", at: v.span)
                return nil
            }
            return .deadlock(members: members, for: r["for"].flatMap { values.duration($0, field: "for")?.value })
        case "member_lost":
            guard let target = values.reference(v, field: "member_lost") else { return nil }
            return .memberLost(target: target, fleet: r["fleet"].flatMap { values.reference($0, field: "fleet") })
        case "every":
            guard let d = values.duration(v, field: "every") else { return nil }
            return .every(d.value)
        case "cron":
            guard let expr = values.string(v, field: "cron") else { return nil }
            if let problem = CronExpression.problem(in: expr.value) {
                sink.emit(.invalidCron, "`\(expr.value)` is not a cron schedule: \(problem)", at: v.span)
                return nil
            }
            return .cron(
                expression: expr, timezone: r["timezone"].flatMap { values.string($0, field: "timezone")?.value })
        case "all", "any":
            guard let items = values.sequence(v, field: key) else { return nil }
            if items.isEmpty {
                sink.emit(.outOfRange, "`\(key)` needs at least one condition", at: v.span)
                return nil
            }
            let parts = items.compactMap { condition($0) }
            guard parts.count == items.count else { return nil }
            if key == "all" {
                return .all(parts, within: r["within"].flatMap { values.duration($0, field: "within")?.value })
            }
            return .any(parts)
        default:
            return nil
        }
    }

    /// How close to its expiry a certificate must be for `certificate:` to fire when `within` is not given.
    static let certificateWindow: Duration = .seconds(14 * 86_400)

    /// `above:` or `below:`, in the metric's unit.
    private func threshold(_ r: MappingReader, metric: Metric) -> Condition.Threshold? {
        _ = r.atMostOne(of: ["above", "below"])
        guard let pair = r.present(["above", "below"]).first, let key = pair.key.text,
            let direction = Condition.Direction(rawValue: key)
        else {
            sink.emit(.missingField, "\(r.context) needs a threshold: `above` or `below`", at: r.anchorSpan)
            return nil
        }
        guard let value = metricValue(pair.value, metric: metric) else { return nil }
        return Condition.Threshold(direction: direction, value: value)
    }

    /// Reads a threshold and checks it is in the metric's unit (`memory_rss` takes sizes, `cpu` percentages).
    func metricValue(_ node: YAMLNode, metric: Metric) -> Located<MetricValue>? {
        let text = node.text ?? ""
        let looksPercent = Percent.parse(text) != nil
        let looksBytes = ByteSize.parse(text) != nil && Int(text) == nil
        let isNumber = Double(text) != nil && !node.isQuotedOrString
        func mismatch(_ found: String) -> Located<MetricValue>? {
            sink.emit(
                .unitMismatch,
                "`\(metric.rawValue)` is measured in \(metric.unit.rawValue) but the threshold `\(text)` is \(found)",
                at: node.span, notes: [Note("write a threshold such as `\(metric.example)`")])
            return nil
        }
        switch metric.unit {
        case .percent:
            if looksPercent {
                guard let p = values.percent(node, field: metric.rawValue) else { return nil }
                return Located(MetricValue(p.value.value, unit: .percent), at: node.span)
            }
            if looksBytes { return mismatch("a byte size") }
            if isNumber {
                sink.emit(
                    .invalidPercent,
                    "`\(text)` is not a percentage; `\(metric.rawValue)` thresholds are written `\(text)%`",
                    at: node.span, fixIts: [FixIt("add `%`", span: node.span, replacement: "\(text)%")])
                return nil
            }
            _ = values.percent(node, field: metric.rawValue)
            return nil
        case .bytes:
            if looksPercent { return mismatch("a percentage") }
            guard let size = values.byteSize(node, field: metric.rawValue) else { return nil }
            return Located(MetricValue(Double(size.value.bytes), unit: .bytes), at: node.span)
        case .duration:
            if looksPercent { return mismatch("a percentage") }
            if looksBytes { return mismatch("a byte size") }
            if isNumber {
                sink.emit(
                    .invalidDuration,
                    "`\(text)` is not a duration; `\(metric.rawValue)` thresholds are written with a unit, e.g. "
                        + "`\(metric.example)`",
                    at: node.span, fixIts: [FixIt("add the unit `s`", span: node.span, replacement: "\(text)s")])
                return nil
            }
            guard let d = values.duration(node, field: metric.rawValue, allowZero: true) else { return nil }
            let seconds = Double(d.value.components.seconds) + Double(d.value.components.attoseconds) * 1e-18
            return Located(MetricValue(seconds, unit: .duration), at: node.span)
        case .count, .number:
            if looksPercent { return mismatch("a percentage") }
            if looksBytes { return mismatch("a byte size") }
            if metric.unit == .count {
                guard let n = values.int(node, field: metric.rawValue, range: 0...Int.max) else { return nil }
                return Located(MetricValue(Double(n.value), unit: .count), at: node.span)
            }
            guard let n = values.number(node, field: metric.rawValue, range: 0...1e12) else { return nil }
            return Located(MetricValue(n.value, unit: .number), at: node.span)
        }
    }
}
