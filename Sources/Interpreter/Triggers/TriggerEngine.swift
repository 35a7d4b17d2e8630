import GraceDSL

/// Evaluates every trigger of a graph and decides which firings become playbook runs: per-trigger (and, for a
/// trigger on `"*"`, per-kernel) cooldown,
/// coalescing of repeated firings, and a global rate limit against trigger storms. Pure and clock-free like
/// the evaluators; every decision, including the suppressed ones, is returned so it can be journaled.
public struct TriggerEngine: Sendable {
    /// What became of one firing; both cases are journaled (`trigger.fired` or `trigger.suppressed`).
    public enum Decision: Sendable, Hashable {
        /// Run `playbook` with these arguments (rendered from the trigger's `with:`).
        case run(firing: Firing, playbook: String, arguments: [String: String])
        /// Fired, but no run: `reason` is `cooldown`, `coalesced`, `rate-limited` or `no-playbook`.
        case suppressed(firing: Firing, reason: String)

        /// The firing the decision is about.
        public var firing: Firing {
            switch self {
            case .run(let f, _, _), .suppressed(let f, _): f
            }
        }
    }

    private struct Entry: Sendable {
        let trigger: Trigger
        var evaluator: ConditionEvaluator
        /// When the trigger last ran a playbook, per kernel of the firing event ("" for events about no kernel):
        /// a `kernel: "*"` trigger's cooldown holds back that kernel, not every kernel.
        var lastRuns: [String: Duration] = [:]
        /// The last firing coalesced into a run's window, per kernel, with the window's end: it runs then (the
        /// burst's last word, as Alertmanager's group_interval sends what arrived meanwhile), unless the trigger
        /// is in its cooldown by then.
        var pending: [String: Pending] = [:]

        /// The earliest of the evaluator's deadline and the pending firings' ends.
        func nextDeadline() -> Duration? {
            ([evaluator.nextDeadline()] + pending.values.map { Optional($0.due) }).compactMap { $0 }.min()
        }
    }

    /// A coalesced firing, kept to run when its window ends.
    private struct Pending: Sendable {
        var fields: [String: String]
        var evidence: [String: String]
        var due: Duration
        /// How many firings it stands for.
        var count: Int
    }

    private var entries: [Entry]
    /// Which triggers an event can affect, by event type and kernel (`*` for any): an event is offered only to
    /// those, not to every trigger of the graph.
    private var index: [String: [Int]] = [:]
    /// The earliest deadline among the triggers the last `observe` touched: a caller that keeps a timer only
    /// needs to move it earlier when this is sooner (a full `nextDeadline()` scan visits every trigger).
    public private(set) var touchedDeadline: Duration?
    private let context: ConditionEvaluator.Context
    private let signatures: [String: Signature]
    private let playbooks: [String: Playbook]
    /// Start times of recent runs, for the global rate limit.
    private var recentRuns: [Duration] = []
    /// The global rate limit: at most this many runs start in any `ratePer` (`limits.rate`; 30 a minute by default).
    public let rateRuns: Int
    /// The sliding window of the global rate limit.
    public let ratePer: Duration

    /// - Parameter disabled: triggers not to evaluate (conditions this build of the runtime cannot observe).
    public init(
        graph: ExecutionGraph, context: ConditionEvaluator.Context, now: Duration = .zero, disabled: Set<String> = []
    ) {
        self.context = context
        signatures = context.signatures
        playbooks = Dictionary(graph.playbooks.map { ($0.header.name.value, $0) }) { a, _ in a }
        entries = graph.triggers.filter { $0.enabled && !disabled.contains($0.header.name.value) }.map {
            Entry(trigger: $0, evaluator: ConditionEvaluator($0.when, context: context, now: now))
        }
        rateRuns = graph.settings?.limits.rateRuns ?? 30
        ratePer = graph.settings?.limits.ratePer ?? .seconds(60)
        for (i, entry) in entries.enumerated() {
            for key in Set(Self.keys(entry.trigger.when.condition)) { index[key, default: []].append(i) }
        }
    }

    /// Carries over from the engine of the previous graph (a reload) what limits runs: the global rate limit's
    /// recent runs, and the last run of each trigger of the same name (its cooldown and coalescing window). A
    /// reload during a trigger storm must not reset the rate limit or lift a cooldown.
    public mutating func inheritLimits(from previous: TriggerEngine) {
        recentRuns = previous.recentRuns
        let lastRuns = Dictionary(previous.entries.map { ($0.trigger.header.name.value, $0.lastRuns) }) { a, _ in a }
        for i in entries.indices {
            if let last = lastRuns[entries[i].trigger.header.name.value] { entries[i].lastRuns = last }
        }
    }

    /// Index keys of a condition: `type|kernel`, with `*` where any kernel (or none) matters.
    static func keys(_ condition: Condition) -> [String] {
        func k(_ type: String, _ kernel: String?) -> String { "\(type)|\(kernel.map { $0 == "*" ? "*" : $0 } ?? "*")" }
        switch condition {
        case .exit(let t, _, _, _): return [k("exit", t.value)]
        case .health(let t, _): return [k("unhealthy", t.value)]
        case .silence(let t, _):
            return [
                k("heartbeat", t.value), k("started", t.value), k("watchdog", t.value), k("component", t.value),
                k("exit", t.value),
            ]
        case .metric(let m, let kernel, _, _), .predict(let m, let kernel, _, _, _),
            .anomaly(let m, let kernel, _, _, _):
            return [k("metric:\(m.value.rawValue)", kernel?.value)]
        case .log(_, let kernel, _, _, _), .signature(_, let kernel, _, _): return [k("log", kernel?.value)]
        case .file(_, let kernel, _): return [k("file", kernel?.value), k("file", nil)]
        case .certificate(_, let kernel, _, _): return [k("certificate", kernel?.value), k("certificate", nil)]
        case .restarts(let t, _, _): return [k("restarting", t.value)]
        case .gaveUp(let t): return [k("gave_up", t.value)]
        case .configInvalid: return [k("config", nil)]
        case .deadlock(let members, _):
            return members.flatMap { m in
                ["unhealthy", "exited", "watchdog", "healthy", "component"].map { k($0, m.value) }
            }
        case .memberLost: return [k("member", nil)]
        case .every, .cron: return []
        case .all(let parts, _), .any(let parts): return parts.flatMap { keys($0.condition) }
        }
    }

    /// The index keys an event is looked up under: its own kernel and `*`.
    static func keys(_ event: Event) -> [String] {
        func both(_ type: String, _ kernel: String?) -> [String] {
            guard let kernel else { return ["\(type)|*"] }
            return ["\(type)|\(kernel)", "\(type)|*"]
        }
        switch event {
        case .kernelExited(let k, _, _, _): return both("exit", k) + both("exited", k)
        case .kernelStarted(let k, _): return both("started", k)
        case .kernelRestarting(let k): return both("restarting", k)
        case .kernelGaveUp(let k, _): return both("gave_up", k)
        case .kernelUnhealthy(let k, _, _): return both("unhealthy", k)
        case .kernelHealthy(let k): return both("healthy", k)
        case .heartbeat(let n): return both("heartbeat", n)
        case .watchdogTimeout(let k): return both("watchdog", k) + both("exited", k)
        case .componentSilent(let n, _), .componentRecovered(let n): return both("component", n)
        case .componentDeadlock(let members): return members.flatMap { both("component", $0) }
        case .metric(let k, let m, _): return both("metric:\(m.rawValue)", k)
        case .logLine(let k, _, _): return both("log", k)
        case .signatureSeen(let seen): return both("log", seen.kernel)
        case .fileChanged(let k, _): return both("file", k)
        case .certificateChecked(let k, _, _, _): return both("certificate", k)
        case .configInvalid: return ["config|*"]
        case .memberLost: return ["member|*"]
        }
    }

    /// How many triggers are evaluated: the enabled ones not disabled at `init`.
    public var triggerCount: Int { entries.count }

    /// Feeds an event to every trigger.
    public mutating func observe(_ event: Event, now: Duration) -> [Decision] {
        var decisions: [Decision] = []
        var candidates: [Int] = []
        for key in Self.keys(event) { candidates += index[key] ?? [] }
        if candidates.count > 1 { candidates = Array(Set(candidates)).sorted() }
        touchedDeadline = nil
        defer {
            for i in candidates {
                if let d = entries[i].nextDeadline(), d < (touchedDeadline ?? .seconds(Int64.max / 2)) {
                    touchedDeadline = d
                }
            }
        }
        for i in candidates {
            if let fields = entries[i].evaluator.observe(event, now: now) {
                decisions.append(decide(i, fields: fields, evidence: entries[i].evaluator.lastEvidence, now: now))
            }
        }
        return decisions
    }

    /// Lets time pass for time-based conditions, and runs the coalesced firings whose window has ended.
    public mutating func tick(now: Duration) -> [Decision] {
        var decisions: [Decision] = []
        for i in entries.indices {
            if let fields = entries[i].evaluator.tick(now: now) {
                decisions.append(decide(i, fields: fields, evidence: entries[i].evaluator.lastEvidence, now: now))
            }
            for (key, pending) in entries[i].pending.sorted(by: { $0.key < $1.key }) where pending.due <= now {
                entries[i].pending[key] = nil
                var evidence = pending.evidence
                evidence["coalesced"] = String(pending.count)
                decisions.append(decide(i, fields: pending.fields, evidence: evidence, now: now, trailing: true))
            }
        }
        return decisions
    }

    /// The earliest time any trigger needs a tick.
    public func nextDeadline() -> Duration? {
        entries.compactMap { $0.nextDeadline() }.min()
    }

    /// `trailing`: the firing is one a run's coalescing window held back until now; it is not held back again.
    private mutating func decide(
        _ i: Int, fields: [String: String], evidence: [String: String], now: Duration, trailing: Bool = false
    ) -> Decision {
        let trigger = entries[i].trigger
        var firing = Firing(trigger: trigger.header.name.value, at: now, fields: fields, evidence: evidence)
        firing.evidence["condition"] = trigger.when.condition.summary
        let key = fields["kernel"] ?? ""
        if let last = entries[i].lastRuns[key] {
            firing.evidence["last_run_ago_ms"] = String((now - last).milliseconds)
            if let cooldown = trigger.cooldown, now - last < cooldown {
                firing.evidence["cooldown_left_ms"] = String((cooldown - (now - last)).milliseconds)
                // A threshold still held when the cooldown ends fires again then.
                entries[i].evaluator.rearm(kernel: fields["kernel"], at: last + cooldown)
                return .suppressed(firing: firing, reason: "cooldown")
            }
            if let coalesce = trigger.coalesce, now - last < coalesce, !trailing {
                firing.evidence["coalesce_left_ms"] = String((coalesce - (now - last)).milliseconds)
                let count = (entries[i].pending[key]?.count ?? 0) + 1
                entries[i].pending[key] = Pending(
                    fields: fields, evidence: evidence, due: last + coalesce, count: count)
                return .suppressed(firing: firing, reason: "coalesced")
            }
        }
        recentRuns.removeAll { now - $0 >= ratePer }
        if recentRuns.count >= rateRuns {
            firing.evidence["rate"] = "\(recentRuns.count)/\(DurationParser.format(ratePer))"
            return .suppressed(firing: firing, reason: "rate-limited")
        }
        guard let playbook = playbook(for: trigger, fields: fields) else {
            return .suppressed(firing: firing, reason: "no-playbook")
        }
        entries[i].lastRuns[key] = now
        entries[i].pending[key] = nil
        recentRuns.append(now)
        return .run(firing: firing, playbook: playbook.name, arguments: playbook.arguments)
    }

    /// The playbook a firing runs and its arguments: the trigger's `run`, or for `signature: known` the
    /// matched signature's bound playbook with its `with:`.
    private func playbook(for trigger: Trigger, fields: [String: String]) -> (
        name: String, arguments: [String: String]
    )? {
        let scope = fields.reduce(into: [String: String]()) { $0["event.\($1.key)"] = $1.value }
            .merging(["trigger.name": trigger.header.name.value]) { a, _ in a }
        if let run = trigger.run {
            return (run.value, Self.render(trigger.with, scope: scope))
        }
        guard let name = fields["signature"] else { return nil }
        guard let signature = signatures[name], let bound = signature.playbook else {
            // A learned binding: the knowledge base chose the playbook; its kernel-typed parameters get the kernel
            // the line came from.
            guard fields["learned"] == "true", let learned = fields["playbook"], let playbook = playbooks[learned]
            else {
                return nil
            }
            var arguments = Self.render(trigger.with, scope: scope)
            for parameter in playbook.params where parameter.type == .kernel && arguments[parameter.name.value] == nil {
                arguments[parameter.name.value] = fields["kernel"]
            }
            return (learned, arguments)
        }
        var arguments = Self.render(signature.with, scope: scope)
        for (k, v) in Self.render(trigger.with, scope: scope) { arguments[k] = v }
        return (bound.value, arguments)
    }

    /// Renders `with:` values; a placeholder the event does not provide renders as empty text.
    public static func render(_ arguments: [PlaybookArgument], scope: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for argument in arguments {
            let text = argument.value.text ?? ""
            if Template.looksTemplated(text), case .success(let template) = Template.parse(text) {
                out[argument.name.value] = template.render { scope[$0.joined(separator: ".")] ?? "" }
            } else {
                out[argument.name.value] = text
            }
        }
        return out
    }
}
