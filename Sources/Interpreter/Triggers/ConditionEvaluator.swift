import Foundation
import GraceDSL

/// Evaluates one trigger condition against events and the passing of time. Pure: time is a `Duration` since
/// an arbitrary origin passed in by the caller, so windows, trends and schedules are tested without sleeping.
///
/// Conditions fire on edges, not levels: a metric above its threshold fires once per excursion, a silence once
/// per silence, so one fault does not become a storm of firings.
public struct ConditionEvaluator: Sendable {
    /// What the evaluator needs to know about the configuration.
    public struct Context: Sendable {
        /// Watchdog interval per kernel, the default `within` of `silence`.
        public var watchdogs: [String: Duration] = [:]
        /// Component heartbeat intervals from the grace document.
        public var componentHeartbeats: [String: Duration] = [:]
        /// The graph's kernels by name: a `silence` target that names a kernel is that kernel, even when it shares
        /// its name with one of Grace's components.
        public var kernelNames: Set<String> = []
        /// Signature documents by name, for `signature:` conditions.
        public var signatures: [String: Signature] = [:]
        /// The same, with their matchers compiled.
        public var declared = DeclaredSignatures([])
        /// Log line parsers per kernel (from `logs.format`), to match signatures on the message part.
        var lineParsers: [String: LogLineParser] = [:]
        /// Wall-clock time at the origin, for cron schedules.
        public var wallClockOrigin = Date()

        /// An empty context: no watchdogs, heartbeats or signatures, for conditions that need none.
        public init() {}

        /// The context of `graph`; `wallClockOrigin` is the wall-clock time at offset zero of the caller's clock.
        public init(graph: ExecutionGraph, wallClockOrigin: Date = Date()) {
            for kernel in graph.kernels {
                kernelNames.insert(kernel.header.name.value)
                if let w = kernel.watchdog { watchdogs[kernel.header.name.value] = w }
                if let format = kernel.logs.format?.value, let parser = LogLineParser(format: format) {
                    lineParsers[kernel.header.name.value] = parser
                }
            }
            componentHeartbeats = graph.settings?.componentHeartbeats ?? [:]
            for signature in graph.signatures { signatures[signature.header.name.value] = signature }
            declared = DeclaredSignatures(graph.signatures)
            self.wallClockOrigin = wallClockOrigin
        }
    }

    private indirect enum Node: Sendable {
        /// `perKernel` is set for a wildcard leaf (`KERNEL` `*`, or no kernel for `log` and `signature`): each kernel
        /// counts, windows and fires on its own, from a copy of `state` as built.
        case leaf(condition: Condition, state: LeafState, perKernel: [String: LeafState]?)
        case all(children: [Node], lastFired: [Duration?], fields: [[String: String]], within: Duration?)
        case any(children: [Node])
    }

    /// The samples of one excursion beyond a threshold, summarised for the evidence of a firing.
    struct Excursion: Sendable {
        var count = 0
        var min = Double.infinity
        var max = -Double.infinity
        var first: Double?

        mutating func add(_ value: Double) {
            count += 1
            min = Swift.min(min, value)
            max = Swift.max(max, value)
            if first == nil { first = value }
        }
    }

    /// Per-leaf memory: windows, excursions, deadlines.
    struct LeafState: Sendable {
        var excursionSince: Duration?
        /// The samples of the current excursion beyond a threshold: how many, their range and the first.
        var excursion = Excursion()
        var fired = false
        /// A held threshold whose firing a cooldown held back fires again no earlier than this, if still held.
        var rearmAt: Duration?
        var lastValue: Double?
        var samples: [(at: Duration, value: Double)] = []
        var times: [Duration] = []
        var deadline: Duration?
        var ewmaMean: Double?
        var ewmaVariance: Double = 0
        var sampleCount = 0
        var unhealthy: [String: Bool] = [:]
        var unhealthySince: Duration?
        var regex: NSRegularExpression?
        /// `signature: unknown` counts repetitions per signature.
        var timesBySignature: [String: [Duration]] = [:]
    }

    private var root: Node
    private let context: Context
    /// What the condition saw when it last fired (`observe` or `tick` returned fields): the window's samples for a
    /// threshold, the fit for a prediction, the mean and deviation for an anomaly, the pattern for a log line.
    /// Kept apart from the fields, which are the `event.*` scope of `with:` templates and named regex groups.
    public private(set) var lastEvidence: [String: String] = [:]
    /// Evidence keys inside the tree carry this prefix; `observe` and `tick` move them to `lastEvidence`.
    static let evidencePrefix = "evidence."

    /// An evaluator for `condition` starting at `now`, when schedules and `silence` deadlines begin counting.
    public init(_ condition: ConditionNode, context: Context, now: Duration = .zero) {
        self.context = context
        root = Self.build(condition.condition, context: context, now: now)
    }

    private static func build(_ condition: Condition, context: Context, now: Duration) -> Node {
        switch condition {
        case .all(let parts, let within):
            let children = parts.map { build($0.condition, context: context, now: now) }
            return .all(
                children: children, lastFired: parts.map { _ in nil }, fields: parts.map { _ in [:] }, within: within)
        case .any(let parts):
            return .any(children: parts.map { build($0.condition, context: context, now: now) })
        default:
            var state = LeafState()
            switch condition {
            case .log(let pattern, _, _, _, _):
                state.regex = try? NSRegularExpression(pattern: pattern.value)
            case .every(let interval):
                state.deadline = now + interval
            case .cron(let expression, _):
                state.deadline = nextCron(expression.value, after: now, context: context)
            default:
                break
            }
            return .leaf(condition: condition, state: state, perKernel: isWildcard(condition) ? [:] : nil)
        }
    }

    /// Whether a `silence` target names one of Grace's own components (and no kernel of the graph): its silence
    /// comes from the root's watch (`componentSilent`), not from a deadline of the evaluator's own.
    static func isComponent(_ target: String, _ context: Context) -> Bool {
        GraceSettings.componentNames.contains(target) && !context.kernelNames.contains(target)
    }

    /// Whether a leaf is about any kernel, so that its memory is kept per kernel: five restarts of five kernels
    /// are not a restart loop, and one kernel's samples are not another's trend.
    private static func isWildcard(_ condition: Condition) -> Bool {
        switch condition {
        case .exit(let t, _, _, _), .health(let t, _), .restarts(let t, _, _), .gaveUp(let t):
            return t.value == "*"
        case .metric(_, let k, _, _), .predict(_, let k, _, _, _), .anomaly(_, let k, _, _, _):
            return k?.value == "*"
        case .log(_, let k, _, _, _), .signature(_, let k, _, _):
            return k == nil || k?.value == "*"
        default:
            return false
        }
    }

    /// Feeds an event; returns the event fields when the condition fires.
    public mutating func observe(_ event: Event, now: Duration) -> [String: String]? {
        Self.observe(&root, event: event, now: now, context: context).map { separate($0) }
    }

    /// Lets time pass; returns fields when a time-based condition fires (silence, held thresholds, schedules).
    public mutating func tick(now: Duration) -> [String: String]? {
        Self.tick(&root, now: now, context: context).map { separate($0) }
    }

    /// Splits what a leaf returned into the firing's fields and its evidence (`lastEvidence`).
    private mutating func separate(_ raw: [String: String]) -> [String: String] {
        var fields: [String: String] = [:]
        var evidence: [String: String] = [:]
        for (key, value) in raw {
            if key.hasPrefix(Self.evidencePrefix) {
                evidence[String(key.dropFirst(Self.evidencePrefix.count))] = value
            } else {
                fields[key] = value
            }
        }
        lastEvidence = evidence
        return fields
    }

    /// After a firing that its trigger's cooldown held back (for `kernel`, or the firing's own state when the leaf
    /// is not per kernel): a `metric` threshold still held fires again at `at`, when the cooldown ends, as an alert
    /// rule keeps firing while its condition holds; one that lets go before then starts over. Without this, a
    /// threshold crossed during a cooldown would never fire until it had let go and been crossed again: a host that
    /// calmed down while `restore-load` cooled down would keep its tier paused. Conditions that fire on events
    /// (exits, lines, silences) have nothing held, and are left as they are.
    public mutating func rearm(kernel: String?, at: Duration) {
        Self.rearm(&root, kernel: kernel, at: at)
    }

    private static func rearm(_ node: inout Node, kernel: String?, at: Duration) {
        switch node {
        case .leaf(let condition, var state, var perKernel):
            guard case .metric = condition else { return }
            func arm(_ s: inout LeafState) {
                guard s.fired, s.excursionSince != nil else { return }
                s.fired = false
                s.rearmAt = at
            }
            if perKernel != nil, let kernel, !kernel.isEmpty {
                guard var own = perKernel?[kernel] else { return }
                arm(&own)
                perKernel?[kernel] = own
            } else {
                arm(&state)
            }
            node = .leaf(condition: condition, state: state, perKernel: perKernel)
        case .any(var children):
            for i in children.indices { rearm(&children[i], kernel: kernel, at: at) }
            node = .any(children: children)
        case .all(var children, let lastFired, let fields, let within):
            for i in children.indices { rearm(&children[i], kernel: kernel, at: at) }
            node = .all(children: children, lastFired: lastFired, fields: fields, within: within)
        }
    }

    /// When `tick` should next be called, if anything is pending.
    public func nextDeadline() -> Duration? {
        Self.deadline(root)
    }

    // MARK: - Tree walking

    private static func observe(_ node: inout Node, event: Event, now: Duration, context: Context) -> [String: String]?
    {
        switch node {
        case .leaf(let condition, var state, var perKernel):
            if perKernel != nil, let kernel = event.kernel {
                var own = perKernel?[kernel] ?? state
                let result = observeLeaf(condition, &own, event: event, now: now, context: context)
                perKernel?[kernel] = own
                node = .leaf(condition: condition, state: state, perKernel: perKernel)
                return result
            }
            let result = observeLeaf(condition, &state, event: event, now: now, context: context)
            node = .leaf(condition: condition, state: state, perKernel: perKernel)
            return result
        case .any(var children):
            var result: [String: String]?
            for i in children.indices {
                if let fields = observe(&children[i], event: event, now: now, context: context), result == nil {
                    result = fields
                }
            }
            node = .any(children: children)
            return result
        case .all(var children, var lastFired, var fields, let within):
            for i in children.indices {
                if let f = observe(&children[i], event: event, now: now, context: context) {
                    lastFired[i] = now
                    fields[i] = f
                }
            }
            let result = completeAll(&lastFired, fields: fields, within: within, now: now)
            node = .all(children: children, lastFired: lastFired, fields: fields, within: within)
            return result
        }
    }

    private static func tick(_ node: inout Node, now: Duration, context: Context) -> [String: String]? {
        switch node {
        case .leaf(let condition, var state, var perKernel):
            var result = tickLeaf(condition, &state, now: now, context: context)
            if var kernels = perKernel {
                for kernel in kernels.keys.sorted() {
                    guard var own = kernels[kernel] else { continue }
                    if var fields = tickLeaf(condition, &own, now: now, context: context), result == nil {
                        fields["kernel"] = kernel
                        result = fields
                    }
                    kernels[kernel] = own
                }
                perKernel = kernels
            }
            node = .leaf(condition: condition, state: state, perKernel: perKernel)
            return result
        case .any(var children):
            var result: [String: String]?
            for i in children.indices {
                if let fields = tick(&children[i], now: now, context: context), result == nil { result = fields }
            }
            node = .any(children: children)
            return result
        case .all(var children, var lastFired, var fields, let within):
            for i in children.indices {
                if let f = tick(&children[i], now: now, context: context) {
                    lastFired[i] = now
                    fields[i] = f
                }
            }
            let result = completeAll(&lastFired, fields: fields, within: within, now: now)
            node = .all(children: children, lastFired: lastFired, fields: fields, within: within)
            return result
        }
    }

    /// `all` fires when every part fired within the window (default: one minute), then starts over.
    private static func completeAll(
        _ lastFired: inout [Duration?], fields: [[String: String]], within: Duration?, now: Duration
    ) -> [String: String]? {
        let window = within ?? .seconds(60)
        guard lastFired.allSatisfy({ $0.map { now - $0 <= window } ?? false }) else { return nil }
        lastFired = lastFired.map { _ in nil }
        return fields.reduce(into: [:]) { acc, f in acc.merge(f) { a, _ in a } }
    }

    private static func deadline(_ node: Node) -> Duration? {
        switch node {
        case .leaf(let condition, let state, let perKernel):
            let own = leafDeadline(condition, state)
            guard let perKernel else { return own }
            return ([own] + perKernel.values.map { leafDeadline(condition, $0) }).compactMap { $0 }.min()
        case .any(let children), .all(let children, _, _, _):
            return children.compactMap(deadline).min()
        }
    }

    private static func leafDeadline(_ condition: Condition, _ state: LeafState) -> Duration? {
        switch condition {
        case .metric(_, _, _, let window):
            guard let since = state.excursionSince, !state.fired else { return nil }
            return max(since + (window ?? .zero), state.rearmAt ?? .zero)
        case .deadlock(_, let window):
            guard let since = state.unhealthySince, !state.fired else { return nil }
            return since + (window ?? .zero)
        default:
            return state.deadline
        }
    }

    // MARK: - Leaves

    private static func matches(_ target: String?, _ kernel: String?) -> Bool {
        guard let target else { return kernel == nil }
        return target == "*" || target == kernel
    }

    private static func crosses(_ threshold: Condition.Threshold, _ value: Double) -> Bool {
        threshold.direction == .above ? value > threshold.value.value.value : value < threshold.value.value.value
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.3f", value)
    }

    /// A threshold as text: `> 80`, `< 1048576`.
    static func describe(_ threshold: Condition.Threshold) -> String {
        (threshold.direction == .above ? "> " : "< ") + threshold.value.value.text
    }

    /// The evidence of a threshold held for its window: the threshold, the window, and the excursion's samples.
    private static func thresholdEvidence(_ condition: Condition, _ state: LeafState, now: Duration) -> [String: String]
    {
        guard case .metric(let metric, _, let threshold, let window) = condition else { return [:] }
        var evidence = [
            "metric": metric.value.rawValue, "threshold": describe(threshold),
            "held_ms": String((now - (state.excursionSince ?? now)).milliseconds),
            "samples": String(state.excursion.count),
        ]
        if let window { evidence["for"] = DurationParser.format(window) }
        if state.excursion.count > 0 {
            evidence["min"] = format(state.excursion.min)
            evidence["max"] = format(state.excursion.max)
        }
        if let first = state.excursion.first { evidence["first"] = format(first) }
        // The same figures in the metric's unit, for people (`grace explain`).
        if metric.value.unit == .bytes || metric.value.unit == .duration, let last = state.lastValue {
            evidence["value_text"] = MetricValue.text(last, unit: metric.value.unit)
            if state.excursion.count > 0 {
                evidence["range_text"] =
                    MetricValue.text(state.excursion.min, unit: metric.value.unit) + " .. "
                    + MetricValue.text(state.excursion.max, unit: metric.value.unit)
            }
        }
        return Dictionary(uniqueKeysWithValues: evidence.map { (evidencePrefix + $0.key, $0.value) })
    }

    /// Time left as a duration field (`13d23h`, `45s`; `0s` once past).
    static func describe(_ left: Duration) -> String {
        DurationParser.format(left > .zero ? .seconds(left.components.seconds) : .zero)
    }

    /// Counts occurrences within a window (or just one when there is no window).
    private static func counted(_ state: inout LeafState, now: Duration, count: Int, within: Duration?) -> Bool {
        state.times.append(now)
        if let within { state.times.removeAll { now - $0 > within } }
        guard state.times.count >= count else { return false }
        state.times.removeAll()
        return true
    }

    private static func observeLeaf(
        _ condition: Condition, _ state: inout LeafState, event: Event, now: Duration, context: Context
    ) -> [String: String]? {
        switch (condition, event) {
        case (
            .exit(let target, let codes, let signals, let expected),
            .kernelExited(let kernel, let code, let signal, let wasExpected)
        ):
            guard matches(target.value, kernel), expected || !wasExpected else { return nil }
            if !codes.isEmpty || !signals.isEmpty {
                let codeHit = code.map { codes.contains(Int($0)) } ?? false
                let signalHit = signal.map { s in signals.contains { $0.name == s } } ?? false
                guard codeHit || signalHit else { return nil }
            }
            var fields = ["kernel": kernel]
            if let code { fields["code"] = String(code) }
            if let signal { fields["signal"] = signal }
            return fields

        case (.health(let target, let failures), .kernelUnhealthy(let kernel, let reason, let count)):
            guard matches(target.value, kernel), count >= (failures ?? 1) else { return nil }
            return ["kernel": kernel, "reason": reason, evidencePrefix + "failures": String(count)]

        case (.silence(let target, let within), .heartbeat(let name)),
            (.silence(let target, let within), .kernelStarted(let name, _)):
            guard target.value == name, !isComponent(name, context), let w = within ?? context.watchdogs[name]
            else { return nil }
            state.deadline = now + w
            state.fired = false
            return nil

        case (.silence(let target, let within), .componentSilent(let name, let silentFor)):
            // Silent since `silentFor` ago; `within` may ask for a longer silence than the watch's three intervals.
            guard target.value == name, isComponent(name, context), !state.fired else { return nil }
            let wait = (within ?? .zero) - silentFor
            guard wait > .zero else {
                state.fired = true
                state.deadline = nil
                return ["component": name]
            }
            state.deadline = now + wait
            return nil

        case (.silence(let target, _), .componentRecovered(let name)):
            guard target.value == name, isComponent(name, context) else { return nil }
            state.fired = false
            state.deadline = nil
            return nil

        case (.silence(let target, _), .kernelExited(let name, _, _, _)):
            // A kernel that is not running is not silent (its exit is for `exit` conditions); its next start arms
            // the deadline again. A standby's kernels held by its fleet role never start, so never go silent.
            guard target.value == name, !isComponent(name, context) else { return nil }
            state.deadline = nil
            state.fired = false
            return nil

        case (.silence(let target, _), .watchdogTimeout(let kernel)):
            guard target.value == kernel, !state.fired else { return nil }
            state.fired = true
            state.deadline = nil
            return ["kernel": kernel]

        case (.metric(let metric, let kernel, let threshold, let window), .metric(let k, let m, let value)):
            guard m == metric.value, matches(kernel?.value, k) else { return nil }
            state.lastValue = value
            guard crosses(threshold, value) else {
                state.excursionSince = nil
                state.excursion = Excursion()
                state.fired = false
                state.rearmAt = nil
                return nil
            }
            let since = state.excursionSince ?? now
            state.excursionSince = since
            state.excursion.add(value)
            guard !state.fired, now - since >= (window ?? .zero), now >= (state.rearmAt ?? now) else { return nil }
            state.fired = true
            state.rearmAt = nil
            return ["kernel": k ?? "", "value": format(value)].filter { !$0.value.isEmpty }
                .merging(thresholdEvidence(condition, state, now: now)) { a, _ in a }

        case (
            .predict(let metric, let kernel, let threshold, let horizon, let window), .metric(let k, let m, let value)
        ):
            guard m == metric.value, matches(kernel?.value, k) else { return nil }
            state.samples.append((now, value))
            // Oldest first: what fell out of the window is a prefix.
            if let keep = state.samples.firstIndex(where: { now - $0.at <= window }), keep > 0 {
                state.samples.removeFirst(keep)
            }
            guard state.samples.count >= 3, let fit = LinearTrend(state.samples) else { return nil }
            let horizonSeconds = Double(horizon.milliseconds) / 1000
            let forecast = fit.value(atSecondsFromLast: horizonSeconds)
            guard crosses(threshold, forecast) else {
                state.fired = false
                return nil
            }
            guard !state.fired else { return nil }
            state.fired = true
            var fields = ["value": format(value), "forecast": format(forecast)]
            if let k { fields["kernel"] = k }
            if let eta = fit.secondsUntil(threshold.value.value.value), eta >= 0 {
                fields["eta"] = "\(Int64(eta * 1000))ms"
            }
            let evidence = [
                "metric": metric.value.rawValue, "threshold": describe(threshold),
                "slope": String(format: "%.6g", fit.slope),
                "horizon": DurationParser.format(horizon), "window": DurationParser.format(window),
                "samples": String(state.samples.count), "first": format(state.samples.first?.value ?? value),
            ]
            return fields.merging(evidence.map { (evidencePrefix + $0.key, $0.value) }) { a, _ in a }

        case (.anomaly(let metric, let kernel, let z, let alpha, let warmup), .metric(let k, let m, let value)):
            guard m == metric.value, matches(kernel?.value, k) else { return nil }
            defer {
                // EWMA of mean and variance (West's incremental form), updated after scoring the sample.
                if let mean = state.ewmaMean {
                    let diff = value - mean
                    state.ewmaMean = mean + alpha * diff
                    state.ewmaVariance = (1 - alpha) * (state.ewmaVariance + alpha * diff * diff)
                } else {
                    state.ewmaMean = value
                }
                state.sampleCount += 1
            }
            guard state.sampleCount >= warmup, let mean = state.ewmaMean else { return nil }
            let sd = max(state.ewmaVariance.squareRoot(), 1e-9 + abs(mean) * 1e-6)
            let score = abs(value - mean) / sd
            guard score > z else {
                state.fired = false
                return nil
            }
            guard !state.fired else { return nil }
            state.fired = true
            var fields = ["value": format(value), "score": String(format: "%.2f", score)]
            if let k { fields["kernel"] = k }
            let evidence = [
                "metric": metric.value.rawValue, "mean": String(format: "%.6g", mean), "sd": String(format: "%.6g", sd),
                "z": format(z), "samples": String(state.sampleCount + 1),
            ]
            return fields.merging(evidence.map { (evidencePrefix + $0.key, $0.value) }) { a, _ in a }

        case (.log(_, let kernel, let stream, let count, let within), .logLine(let k, let s, let text)):
            guard matches(kernel?.value ?? "*", k), stream == .any || stream.rawValue == s,
                let regex = state.regex
            else { return nil }
            let range = NSRange(text.startIndex..., in: text)
            guard let match = regex.firstMatch(in: text, range: range) else { return nil }
            guard counted(&state, now: now, count: count, within: within) else { return nil }
            var fields = ["kernel": k, "line": text, evidencePrefix + "pattern": regex.pattern]
            if count > 1 { fields[evidencePrefix + "count"] = String(count) }
            if let within { fields[evidencePrefix + "within"] = DurationParser.format(within) }
            for name in TemplateScope.namedGroups(regex.pattern) {
                let r = match.range(withName: name)
                if r.location != NSNotFound, let swiftRange = Range(r, in: text) {
                    fields[name] = String(text[swiftRange])
                }
            }
            return fields

        case (.signature(let target, let kernel, let count, let within), .logLine(let k, _, let text)):
            // Declared signature documents match the line itself; `unknown` is about mined signatures and is
            // decided on `signatureSeen`.
            guard matches(kernel?.value ?? "*", k), target.value != "unknown" else { return nil }
            let content = context.lineParsers[k]?.parse(text)?.content ?? text
            let matched: (name: String, captures: [String: String])?
            switch target.value {
            case "known":
                matched = context.declared.firstCapture(content, kernel: k, bound: true).map {
                    ($0.signature.header.name.value, $0.captures)
                }
            default:
                matched = context.declared.captures(target.value, content: content, kernel: k).map {
                    (target.value, $0)
                }
            }
            guard let matched, counted(&state, now: now, count: count, within: within) else { return nil }
            // Named groups of a regex signature are fields too; the fixed fields win over a group of the same name.
            return ["kernel": k, "line": text, "signature": matched.name].merging(matched.captures) { a, _ in a }

        case (.signature(let target, let kernel, let count, let within), .signatureSeen(let seen)):
            guard matches(kernel?.value ?? "*", seen.kernel) else { return nil }
            let fields = [
                "kernel": seen.kernel, "line": seen.line, "signature": seen.signature, "template": seen.template,
                "severity": seen.severity.rawValue,
            ]
            switch target.value {
            case "known":
                // A learned binding, unless a declared signature already answers for this line.
                guard let playbook = seen.playbook,
                    context.declared.firstMatch(seen.content, kernel: seen.kernel, bound: true) == nil,
                    counted(&state, now: now, count: count, within: within)
                else { return nil }
                return fields.merging(["playbook": playbook, "learned": "true"]) { a, _ in a }
            case "unknown":
                guard seen.playbook == nil, seen.severity >= .error,
                    context.declared.firstMatch(seen.content, kernel: seen.kernel) == nil
                else { return nil }
                // Repetitions of one signature, not of any unknown error.
                var times = state.timesBySignature[seen.signature] ?? []
                times.append(now)
                if let within { times.removeAll { now - $0 > within } }
                if times.count >= count {
                    state.timesBySignature[seen.signature] = nil
                    return fields
                }
                state.timesBySignature[seen.signature] = times
                if let within, state.timesBySignature.count > 10_000 {
                    state.timesBySignature = state.timesBySignature.filter { now - ($0.value.last ?? now) <= within }
                }
                return nil
            default:
                return nil
            }

        case (.file(let path, let kernel, _), .fileChanged(let k, let changed)):
            guard path.value == changed, kernel == nil || kernel?.value == k else { return nil }
            var fields = ["path": changed]
            if let k { fields["kernel"] = k }
            return fields

        case (
            .certificate(let path, let kernel, let within, _),
            .certificateChecked(let k, let checked, let left, let notAfter)
        ):
            guard path.value == checked, kernel == nil || kernel?.value == k else { return nil }
            // Once per approach to expiry: a renewed certificate (outside the window again) re-arms the condition.
            guard left <= within else {
                state.fired = false
                return nil
            }
            guard !state.fired else { return nil }
            state.fired = true
            var fields = ["path": checked, "not_after": notAfter, "expires_in": Self.describe(left)]
            if let k { fields["kernel"] = k }
            return fields

        case (.restarts(let target, let count, let within), .kernelRestarting(let kernel)):
            guard matches(target.value, kernel) else { return nil }
            state.times.append(now)
            state.times.removeAll { now - $0 > within }
            guard state.times.count >= count else { return nil }
            let n = state.times.count
            let span = now - (state.times.first ?? now)
            state.times.removeAll()
            return [
                "kernel": kernel, "count": String(n), evidencePrefix + "within": DurationParser.format(within),
                evidencePrefix + "span_ms": String(span.milliseconds),
            ]

        case (.gaveUp(let target), .kernelGaveUp(let kernel, let reason)):
            guard matches(target.value, kernel) else { return nil }
            return ["kernel": kernel, "reason": reason]

        case (.configInvalid(let paths), .configInvalid(let path, let code)):
            guard paths.isEmpty || paths.contains(where: { fnmatch($0, path, 0) == 0 }) else { return nil }
            return ["path": path, "code": code]

        case (.deadlock(let members, let window), _):
            let names = Set(members.map(\.value))
            if case .componentDeadlock(let seen) = event {
                // The root judged it: every member silent together. Once per deadlock, like a window that closes.
                guard names.isSubset(of: Set(seen)), !state.fired else { return nil }
                state.fired = true
                state.unhealthySince = state.unhealthySince ?? now
                return ["members": names.sorted().joined(separator: ",")]
            }
            switch event {
            case .kernelUnhealthy(let k, _, _) where names.contains(k): state.unhealthy[k] = true
            case .kernelExited(let k, _, _, _) where names.contains(k): state.unhealthy[k] = true
            case .watchdogTimeout(let k) where names.contains(k): state.unhealthy[k] = true
            case .kernelHealthy(let k) where names.contains(k): state.unhealthy[k] = false
            case .componentSilent(let n, _) where names.contains(n): state.unhealthy[n] = true
            case .componentRecovered(let n) where names.contains(n): state.unhealthy[n] = false
            default: return nil
            }
            let all = names.allSatisfy { state.unhealthy[$0] == true }
            guard all else {
                state.unhealthySince = nil
                state.fired = false
                return nil
            }
            let since = state.unhealthySince ?? now
            state.unhealthySince = since
            guard !state.fired, now - since >= (window ?? .zero) else { return nil }
            state.fired = true
            return ["members": names.sorted().joined(separator: ",")]

        case (.memberLost(let target, let fleet), .memberLost(let instance, let f)):
            guard target.value == "*" || target.value == instance, fleet == nil || fleet?.value == f else { return nil }
            return ["instance": instance, "fleet": f]

        default:
            return nil
        }
    }

    private static func tickLeaf(_ condition: Condition, _ state: inout LeafState, now: Duration, context: Context)
        -> [String: String]?
    {
        switch condition {
        case .silence(let target, _):
            guard let deadline = state.deadline, now >= deadline, !state.fired else { return nil }
            state.fired = true
            state.deadline = nil
            return isComponent(target.value, context) ? ["component": target.value] : ["kernel": target.value]
        case .metric(_, let kernel, _, let window):
            guard let since = state.excursionSince, !state.fired, now - since >= (window ?? .zero),
                now >= (state.rearmAt ?? now), let value = state.lastValue
            else { return nil }
            state.fired = true
            state.rearmAt = nil
            var fields = ["value": format(value)]
            if let kernel, kernel.value != "*" { fields["kernel"] = kernel.value }
            return fields.merging(thresholdEvidence(condition, state, now: now)) { a, _ in a }
        case .deadlock(let members, let window):
            guard let since = state.unhealthySince, !state.fired, now - since >= (window ?? .zero) else { return nil }
            state.fired = true
            return ["members": members.map(\.value).sorted().joined(separator: ",")]
        case .every(let interval):
            guard let deadline = state.deadline, now >= deadline else { return nil }
            // Next beat from the schedule, not from now: no drift; missed beats are not replayed.
            var next = deadline + interval
            while next <= now { next += interval }
            state.deadline = next
            return [:]
        case .cron(let expression, _):
            guard let deadline = state.deadline, now >= deadline else { return nil }
            // The next minute after this one, never this one again: a deadline rounded to the millisecond (or a
            // tick a little early) can fall a hair before the minute it stands for, and "next after now" would be
            // that same minute, firing the trigger twice.
            state.deadline = nextCron(expression.value, after: max(now, deadline) + .seconds(1), context: context)
            return [:]
        default:
            return nil
        }
    }

    private static func nextCron(_ expression: String, after now: Duration, context: Context) -> Duration? {
        let wallNow = context.wallClockOrigin.addingTimeInterval(Double(now.milliseconds) / 1000)
        guard let schedule = CronSchedule(expression), let next = schedule.next(after: wallNow) else { return nil }
        return now + .milliseconds(Int64(next.timeIntervalSince(wallNow) * 1000))
    }
}
