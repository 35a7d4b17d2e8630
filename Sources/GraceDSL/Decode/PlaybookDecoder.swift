extension DocumentDecoder {
    func decodePlaybook(_ root: YAMLNode, _ header: DocumentHeader) -> Playbook? {
        guard
            let r = rootReader(
                root, header, keys: ["params", "steps", "success", "on_failure", "timeout", "manual"])
        else { return nil }
        var p = Playbook(header: header)
        if let n = r["params"] {
            p.params = parameters(n)
            if p.params.count != (n.mapping?.count ?? -1) { p.isComplete = false }
        }
        if let n = r.require("steps"), let items = values.sequence(n, field: "steps") {
            if items.isEmpty { sink.emit(.outOfRange, "a playbook needs at least one step", at: n.span) }
            p.steps = items.compactMap { step($0) }
            if p.steps.count != items.count { p.isComplete = false }
        }
        if let n = r["success"],
            let s = MappingReader(n, context: "success", allowed: ["healthy", "within"], sink: sink),
            let healthyNode = s.require("healthy"), let withinNode = s.require("within"),
            let within = values.duration(withinNode, field: "within")
        {
            p.success = Playbook.SuccessCriteria(
                healthy: values.references(healthyNode, field: "healthy"), within: within.value)
        }
        if let n = r["on_failure"] { p.onFailure = values.reference(n, field: "on_failure") }
        if let n = r["timeout"] { p.timeout = values.duration(n, field: "timeout")?.value }
        if let n = r["manual"] { p.manual = values.bool(n, field: "manual") ?? false }
        return p
    }

    private func parameters(_ node: YAMLNode) -> [Playbook.Parameter] {
        guard let pairs = node.mapping else {
            sink.emit(
                .wrongType, "`params` must be a mapping of name to type, found \(node.kindDescription)", at: node.span)
            return []
        }
        var out: [Playbook.Parameter] = []
        for pair in pairs {
            guard let name = pair.key.text else { continue }
            guard let first = name.first, first.isLetter || first == "_",
                name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            else {
                sink.emit(
                    .invalidName, "`\(name)` is not a valid parameter name (letters, digits and `_`)", at: pair.key.span
                )
                continue
            }
            var typeNode: YAMLNode?
            var defaultNode: YAMLNode?
            if pair.value.scalar != nil {
                typeNode = pair.value  // short form: `kernel: kernel`
            } else if let m = MappingReader(
                pair.value, context: "parameter `\(name)`", allowed: ["type", "default", "description"], sink: sink)
            {
                typeNode = m.require("type")
                defaultNode = m["default"]
            }
            guard let typeNode, let type = values.oneOf(typeNode, field: "parameter type", as: ValueType.self) else {
                continue
            }
            out.append(
                Playbook.Parameter(name: Located(name, at: pair.key.span), type: type.value, defaultValue: defaultNode))
        }
        return out
    }

    /// Fields each action allows besides its own key and the common step fields.
    private static let actionFields: [String: [String]] = [
        "stop": ["signal", "grace", "stays_down"], "pause": ["stays_down"], "restart": ["grace"], "signal": ["send"],
        "exec": ["expect", "cwd", "env"], "http": ["method", "body", "headers", "expect"],
        "snapshot": ["tag"], "restore": ["from"], "shed_load": ["keep"],
        "agent_task": ["goal", "refactor"], "failover": ["to"], "quarantine": ["for"],
        "notify": ["severity", "webhook"], "call": ["with"],
    ]

    private static let stepFields = ["name", "timeout", "retry", "if", "undo", "continue_on_error"]

    func step(_ node: YAMLNode) -> Step? {
        guard node.mapping != nil else {
            sink.emit(
                .wrongType, "a step must be a mapping such as `{restart: api}`, found \(node.kindDescription)",
                at: node.span)
            return nil
        }
        let present = Self.discriminators(in: node, keywords: Action.keywords, fields: Self.actionFields)
        var allowed = Self.stepFields
        if present.count == 1, let key = present[0].key.text {
            allowed += [key] + (Self.actionFields[key] ?? [])
        } else {
            allowed += Action.keywords + Array(Set(Self.actionFields.values.flatMap { $0 })).sorted()
        }
        let context = present.count == 1 ? "`\(present[0].key.text ?? "")` step" : "step"
        guard let r = MappingReader(node, context: context, allowed: allowed, sink: sink),
            let which = r.exactlyOne(
                of: present.count == 1 ? present.compactMap(\.key.text) : Action.keywords, what: "action"),
            let key = which.key.text,
            let action = action(key, which.value, r)
        else { return nil }
        var s = Step(action: action, actionKeySpan: which.key.span, span: node.span)
        if let n = r["name"] { s.name = values.string(n, field: "name") }
        if let n = r["timeout"] { s.timeout = values.duration(n, field: "timeout")?.value }
        if let n = r["retry"] { s.retry = retry(n) }
        if let n = r["if"] { s.condition = stepCondition(n) }
        if let n = r["undo"] {
            if let items = n.sequence {
                s.undo = items.compactMap { step($0) }
            } else if let one = step(n) {
                s.undo = [one]
            }
        }
        if let n = r["continue_on_error"] { s.continueOnError = values.bool(n, field: "continue_on_error") ?? false }
        if let n = r["stays_down"] { s.staysDown = values.bool(n, field: "stays_down") ?? false }
        return s
    }

    private func retry(_ node: YAMLNode) -> Step.Retry? {
        guard
            let r = MappingReader(
                node, context: "retry", allowed: ["attempts", "delay", "backoff", "max_delay"], sink: sink)
        else { return nil }
        var retry = Step.Retry()
        if let n = r.require("attempts"), let a = values.int(n, field: "attempts", range: 1...1000) {
            retry.attempts = a.value
        }
        if let n = r["delay"], let d = values.duration(n, field: "delay", allowZero: true) { retry.delay = d.value }
        if let n = r["backoff"], let b = values.number(n, field: "backoff", range: 1...100) { retry.backoff = b.value }
        if let n = r["max_delay"] { retry.maxDelay = values.duration(n, field: "max_delay")?.value }
        return retry
    }

    private func action(_ key: String, _ v: YAMLNode, _ r: MappingReader) -> Action? {
        func target() -> Located<String>? { values.reference(v, field: key) }
        switch key {
        case "start": return target().map(Action.start)
        case "stop":
            guard let t = target() else { return nil }
            return .stop(
                t, signal: r["signal"].flatMap { values.signal($0, field: "signal")?.value },
                grace: r["grace"].flatMap { values.duration($0, field: "grace", allowZero: true)?.value })
        case "restart":
            guard let t = target() else { return nil }
            return .restart(
                t, grace: r["grace"].flatMap { values.duration($0, field: "grace", allowZero: true)?.value })
        case "pause": return target().map(Action.pause)
        case "resume": return target().map(Action.resume)
        case "signal":
            guard let t = target(), let sendNode = r.require("send"), let sig = values.signal(sendNode, field: "send")
            else { return nil }
            return .signal(t, send: sig.value)
        case "exec":
            guard let c = values.command(v, field: "exec") else { return nil }
            return .exec(
                c, expect: r["expect"].flatMap { values.int($0, field: "expect", range: 0...255)?.value } ?? 0,
                cwd: r["cwd"].flatMap { values.string($0, field: "cwd")?.value },
                env: r["env"].map { values.stringMap($0, field: "env") } ?? [:])
        case "http":
            guard let url = values.url(v, field: "http", allowTemplate: true) else { return nil }
            let method =
                r["method"].flatMap { values.oneOf($0, field: "method", as: Action.HTTPMethod.self)?.value } ?? .GET
            return .http(
                url: url, method: method, body: r["body"].flatMap { values.string($0, field: "body") },
                headers: r["headers"].map { values.stringMap($0, field: "headers") } ?? [:],
                expect: r["expect"].flatMap { values.int($0, field: "expect", range: 100...599)?.value })
        case "wait_healthy": return target().map(Action.waitHealthy)
        case "wait":
            return values.duration(v, field: "wait").map { .wait($0.value) }
        case "snapshot":
            guard let t = target() else { return nil }
            return .snapshot(t, tag: r["tag"].flatMap { values.string($0, field: "tag") })
        case "restore":
            guard let t = target() else { return nil }
            let from = r["from"].flatMap { values.string($0, field: "from") } ?? Located("last_good", at: v.span)
            return .restore(t, from: from)
        case "verify": return target().map(Action.verify)
        case "shed_load":
            guard let t = target() else { return nil }
            return .shedLoad(t, keep: r["keep"].map { values.references($0, field: "keep") } ?? [])
        case "restore_load": return target().map(Action.restoreLoad)
        case "agent_task":
            guard let kind = values.oneOf(v, field: "agent task", as: Action.AgentTaskKind.self) else { return nil }
            let refactor = r["refactor"].flatMap { values.reference($0, field: "refactor") }
            if kind.value == .refactor && refactor == nil { _ = r.require("refactor") }
            return .agentTask(
                kind.value, goal: r["goal"].flatMap { values.string($0, field: "goal") }, refactor: refactor)
        case "rollback_config": return target().map(Action.rollbackConfig)
        case "reload": return target().map(Action.reload)
        case "restart_component": return target().map(Action.restartComponent)
        case "failover":
            guard let t = target() else { return nil }
            return .failover(t, to: r["to"].flatMap { values.reference($0, field: "to") })
        case "quarantine":
            guard let t = target() else { return nil }
            return .quarantine(t, for: r["for"].flatMap { values.duration($0, field: "for")?.value })
        case "notify":
            guard let message = values.string(v, field: "notify") else { return nil }
            return .notify(
                message: message,
                severity: r["severity"].flatMap {
                    values.oneOf($0, field: "severity", as: Action.NotifySeverity.self)?.value
                } ?? .info,
                webhook: r["webhook"].flatMap { values.url($0, field: "webhook", allowTemplate: true) })
        case "call":
            guard let t = target() else { return nil }
            return .call(t, with: r["with"].map { arguments($0) } ?? [])
        default:
            return nil
        }
    }

    func stepCondition(_ node: YAMLNode) -> StepCondition? {
        let fields = StepCondition.keywords + ["status"]
        guard let r = MappingReader(node, context: "`if` condition", allowed: fields, sink: sink),
            let which = r.exactlyOne(of: StepCondition.keywords, what: "test"), let key = which.key.text
        else { return nil }
        let v = which.value
        if key != "step", let s = r.keySpan("status") {
            sink.emit(.unknownKey, "`status` applies only to `step` conditions", at: s)
        }
        switch key {
        case "healthy": return values.reference(v, field: key).map(StepCondition.healthy)
        case "running": return values.reference(v, field: key).map(StepCondition.running)
        case "file_exists": return values.string(v, field: key).map(StepCondition.fileExists)
        case "equals":
            guard let items = values.sequence(v, field: key) else { return nil }
            guard items.count == 2, let a = values.string(items[0], field: key),
                let b = values.string(items[1], field: key)
            else {
                sink.emit(.wrongType, "`equals` takes exactly two values", at: v.span)
                return nil
            }
            return .equals(a, b)
        case "step":
            guard let name = values.reference(v, field: key), let statusNode = r.require("status"),
                let status = values.oneOf(statusNode, field: "status", as: StepCondition.Status.self)
            else { return nil }
            return .step(name, status: status.value)
        case "not": return stepCondition(v).map(StepCondition.not)
        default:
            guard let items = values.sequence(v, field: key) else { return nil }
            let parts = items.compactMap { stepCondition($0) }
            guard parts.count == items.count else { return nil }
            return key == "all" ? .all(parts) : .any(parts)
        }
    }
}
