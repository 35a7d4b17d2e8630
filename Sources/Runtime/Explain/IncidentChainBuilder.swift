// Assembles an `IncidentChain` from journal entries: pure, entries in, chain out. `IncidentExplainer` reads the
// entries an incident needs from the state database; tests hand the builder a constructed journal.
//
// The links it follows: `trigger.fired` names its run (`run`); a called or escalated run names its `parent`; steps,
// undos, ends and knowledge-base entries name their run. Observations have no link to the firing: they are the
// trouble journaled about the same kernel within the trigger's look-back (its window, twice, at least a minute),
// after the same trigger's previous firing.
import Foundation
import Interpreter

/// Builds incident chains from a set of journal entries (any order; duplicates are dropped).
public struct IncidentChainBuilder: Sendable {
    /// The entries, by id.
    public let entries: [JournalEntry]
    /// What "now" is: how long the kernel has been watched after a run that ended recently.
    public let now: Date
    /// How long after the runs ended the kernel is watched for trouble.
    public let verificationWindow: Duration
    /// How far past an observation a decision it led to is looked for.
    public static let lookAhead: Duration = .seconds(300)

    private let byID: [Int64: JournalEntry]
    private let byRun: [String: [JournalEntry]]
    private let starts: [String: JournalEntry]
    private let children: [String: [String]]

    /// A builder over `entries` at `now`.
    public init(entries: [JournalEntry], now: Date = Date(), verificationWindow: Duration = .seconds(300)) {
        var byID: [Int64: JournalEntry] = [:]
        for entry in entries { byID[entry.id] = entry }
        let sorted = byID.values.sorted { $0.id < $1.id }
        self.entries = sorted
        self.byID = byID
        self.now = now
        self.verificationWindow = verificationWindow
        var byRun: [String: [JournalEntry]] = [:]
        var starts: [String: JournalEntry] = [:]
        var children: [String: [String]] = [:]
        for entry in sorted {
            guard let run = entry.event.run else { continue }
            byRun[run, default: []].append(entry)
            if case .runStarted(_, _, _, _, let parent) = entry.event, starts[run] == nil {
                starts[run] = entry
                if let parent { children[parent, default: []].append(run) }
            }
        }
        self.byRun = byRun
        self.starts = starts
        self.children = children
    }

    // MARK: - Finding the incident

    /// The incident `entry` belongs to: the run it is part of (or that its firing caused), the decision it is, the
    /// decision it led to (a later firing about the same kernel within `lookAhead`) or the run in progress (or just
    /// ended) about its kernel when it was journaled. Nil when it belongs to none.
    public func target(forEntry entry: JournalEntry) -> IncidentTarget? {
        switch entry.event {
        case .triggerSuppressed:
            return .decision(entry.id)
        case .triggerFired(let trigger, _, _, _, let run):
            if let run { return .run(run) }
            // A journal from before firings named their run: the first run of the trigger after it.
            let started = entries.first { later in
                guard later.id > entry.id, case .runStarted(_, _, trigger?, _, nil) = later.event else { return false }
                return true
            }
            return started.flatMap { $0.event.run }.map(IncidentTarget.run) ?? .decision(entry.id)
        default:
            break
        }
        if let run = entry.event.run { return .run(run) }
        guard let kernel = entry.kernel else { return nil }
        let horizon = entry.time.addingTimeInterval(Self.seconds(Self.lookAhead))
        if let decision = entries.first(where: {
            $0.id > entry.id && $0.time <= horizon && $0.kernel == kernel && Self.isDecision($0)
        }), let target = target(forEntry: decision) {
            // Only when the entry is within that decision's look-back.
            if entry.time >= decision.time.addingTimeInterval(-Self.seconds(lookBack(for: decision))) {
                return target
            }
        }
        // The run about this kernel in progress (or in its verification window) when the entry was journaled.
        for firing in entries.reversed() where firing.id < entry.id && firing.kernel == kernel {
            guard case .triggerFired(_, _, _, _, let run?) = firing.event else { continue }
            let end = (byRun[run] ?? []).last { Self.isRunEnd($0.event) }
            if let end, end.id < entry.id,
                entry.time > end.time.addingTimeInterval(Self.seconds(verificationWindow))
            {
                return nil
            }
            return .run(run)
        }
        return nil
    }

    /// The latest incident about `kernel`: the run of its newest firing or the newest run started by hand with
    /// `kernel` as its `kernel` argument, whichever is newer; else its newest suppressed decision.
    public func target(forKernel kernel: String) -> IncidentTarget? {
        let fired = entries.last { $0.kind == JournalKind.triggerFired.rawValue && $0.kernel == kernel }
        let manual = entries.last { entry in
            guard case .runStarted(_, _, nil, let arguments, nil) = entry.event else { return false }
            return arguments["kernel"] == kernel
        }
        if let fired, fired.id > (manual?.id ?? 0) { return target(forEntry: fired) }
        if let run = manual?.event.run { return .run(run) }
        let suppressed = entries.last { $0.kind == JournalKind.triggerSuppressed.rawValue && $0.kernel == kernel }
        return suppressed.map { .decision($0.id) }
    }

    // MARK: - Building the chain

    /// The chain around `target`, described as `subject`; nil when the journal holds no such run or decision.
    public func chain(for target: IncidentTarget, subject: String) -> IncidentChain? {
        switch target {
        case .run(let id): return chain(forRun: id, subject: subject)
        case .decision(let id):
            guard let entry = byID[id] else { return nil }
            if case .triggerFired(_, _, _, _, let run?) = entry.event, starts[run] != nil {
                return chain(forRun: run, subject: subject)
            }
            return chain(forDecision: entry, subject: subject)
        }
    }

    private func chain(forRun id: String, subject: String) -> IncidentChain? {
        guard var root = starts[id] else { return nil }
        var seen: Set<String> = [id]
        while case .runStarted(_, _, _, _, let parent?) = root.event, let up = starts[parent],
            seen.insert(parent).inserted
        {
            root = up
        }
        guard case .runStarted(let rootID, let playbook, let trigger, let arguments, _) = root.event else { return nil }
        let firing =
            entries.first { entry in
                guard case .triggerFired(_, _, _, _, rootID?) = entry.event else { return false }
                return true
            }
            ?? trigger.flatMap { name in
                entries.last { entry in
                    guard entry.id < root.id, case .triggerFired(name, _, _, _, nil) = entry.event else { return false }
                    return true
                }
            }
        let runs = runsOfIncident(from: rootID)
        let kernel = firing.map { $0.kernel } ?? arguments["kernel"]
        var observations: [IncidentChain.Moment] = []
        var earlier: [IncidentChain.Decision] = []
        let decision: IncidentChain.Decision
        if let firing {
            observations = self.observations(before: firing, kernel: firing.kernel)
            earlier = earlierDecisions(before: firing)
            decision = Self.decision(firing)
        } else {
            decision = IncidentChain.Decision(
                entry: nil, at: root.time, trigger: trigger, playbook: playbook, verdict: .manual, reason: nil,
                why: trigger.map { "started for trigger \($0) (its firing is not in the journal)" }
                    ?? "started by hand: no trigger decided it",
                condition: nil, evidence: [])
        }
        let runIDs = Set(runs.map(\.id))
        let verification = verify(runs, kernel: kernel)
        let learned = entries.filter { entry in
            guard let run = entry.event.run, runIDs.contains(run) else { return false }
            switch entry.event {
            case .kbOutcome, .kbBindingLearned, .kbBindingDropped, .agentTask, .configRolledBack: return true
            default: return false
            }
        }.map(Self.moment)
        let origin = [observations.first?.at, earlier.first?.at, decision.at, root.time].compactMap { $0 }.min()
        let outcome = Self.outcome(verification)
        return IncidentChain(
            subject: subject, kernel: kernel, trigger: decision.trigger, playbook: playbook, run: rootID,
            outcome: outcome,
            summary: Self.summary(
                kernel: kernel, observations: observations, decision: decision, runs: runs,
                verification: verification),
            origin: origin ?? root.time, observations: observations, samples: nil, earlierDecisions: earlier,
            decision: decision, runs: runs, verification: verification, learned: learned)
    }

    private func chain(forDecision entry: JournalEntry, subject: String) -> IncidentChain? {
        guard Self.isDecision(entry) else { return nil }
        let observations = self.observations(before: entry, kernel: entry.kernel)
        let earlier = earlierDecisions(before: entry)
        let decision = Self.decision(entry)
        let origin = [observations.first?.at, earlier.first?.at, decision.at].compactMap { $0 }.min() ?? entry.time
        let outcome = decision.verdict == .suppressed ? "suppressed" : "unknown"
        var summary = Self.summary(
            kernel: entry.kernel, observations: observations, decision: decision, runs: [], verification: nil)
        if decision.verdict == .fired { summary += " Its run is not in the journal." }
        return IncidentChain(
            subject: subject, kernel: entry.kernel, trigger: decision.trigger, playbook: decision.playbook, run: nil,
            outcome: outcome, summary: summary, origin: origin, observations: observations, samples: nil,
            earlierDecisions: earlier, decision: decision, runs: [], verification: nil, learned: [])
    }

    // MARK: - Parts

    /// The incident's runs: `root`, then the runs it called or escalated to (and theirs), in the order they started.
    private func runsOfIncident(from root: String) -> [IncidentChain.Run] {
        var ids: [String] = []
        var queue = [root]
        var seen: Set<String> = []
        while let id = queue.first {
            queue.removeFirst()
            guard seen.insert(id).inserted else { continue }
            ids.append(id)
            queue.append(contentsOf: children[id] ?? [])
        }
        return ids.compactMap(run).sorted { $0.startedAt < $1.startedAt }
    }

    private func run(_ id: String) -> IncidentChain.Run? {
        guard let start = starts[id], case .runStarted(_, let playbook, _, let arguments, let parent) = start.event
        else { return nil }
        var run = IncidentChain.Run(
            id: id, playbook: playbook, parent: parent, state: "running", startedAt: start.time, finishedAt: nil,
            error: nil, escalatedTo: nil, arguments: arguments, steps: [], undos: [])
        for entry in byRun[id] ?? [] {
            let time = entry.time
            switch entry.event {
            case .runSucceeded: (run.state, run.finishedAt) = ("succeeded", time)
            case .runFailed(_, _, let error): (run.state, run.finishedAt, run.error) = ("failed", time, error)
            case .runEscalated(_, _, let to): run.escalatedTo = to
            case .runInterrupted: (run.state, run.finishedAt) = ("interrupted", time)
            case .runAbandoned: (run.state, run.finishedAt) = ("abandoned", time)
            case .runSuperseded(_, _, let by, let reason):
                (run.state, run.finishedAt, run.error) = ("superseded", time, "superseded by run \(by): \(reason)")
            case .stepStarted(_, let index, let name, let action, let attempt):
                update(&run, index: index, name: name) { step in
                    step.state = "running"
                    if step.startedAt == nil { step.startedAt = time }
                    step.finishedAt = nil
                    step.action = action
                    step.attempts = max(step.attempts + 1, attempt)
                }
            case .stepSucceeded(_, let index, let name, let detail):
                update(&run, index: index, name: name) { step in
                    (step.state, step.finishedAt, step.error) = ("succeeded", time, nil)
                    step.detail = detail.isEmpty ? nil : detail
                }
            case .stepFailed(_, let index, let name, let error, _):
                update(&run, index: index, name: name) { step in
                    (step.state, step.finishedAt, step.error) = ("failed", time, error)
                }
            case .stepSkipped(_, let index, let name, let reason):
                update(&run, index: index, name: name) { step in (step.state, step.detail) = ("skipped", reason) }
            case .undoStarted(_, let index, let name, let action):
                run.undos.append(
                    IncidentChain.Undo(
                        index: index, name: name, action: action, startedAt: time, finishedAt: nil, error: nil))
            case .undoFinished(_, let index, _, let error):
                if let i = run.undos.lastIndex(where: { $0.index == index && $0.finishedAt == nil }) {
                    run.undos[i].finishedAt = time
                    run.undos[i].error = error
                }
            default:
                break
            }
        }
        return run
    }

    private func update(
        _ run: inout IncidentChain.Run, index: Int, name: String, _ change: (inout IncidentChain.Step) -> Void
    ) {
        if let i = run.steps.firstIndex(where: { $0.index == index }) {
            change(&run.steps[i])
            return
        }
        var step = IncidentChain.Step(
            index: index, name: name, action: nil, state: "running", startedAt: nil, finishedAt: nil, attempts: 0,
            detail: nil, error: nil)
        change(&step)
        run.steps.append(step)
        run.steps.sort { $0.index < $1.index }
    }

    /// What was journaled about `kernel` (or, without one, trouble about anything) before `decision`: within its
    /// look-back, after the same trigger's previous firing, from the first trouble on.
    private func observations(before decision: JournalEntry, kernel: String?) -> [IncidentChain.Moment] {
        let (since, after) = window(before: decision)
        var found: [JournalEntry] = []
        for entry in entries where entry.id > after && entry.id < decision.id && entry.time >= since {
            guard let kind = entry.journalKind else { continue }
            if let kernel {
                guard entry.kernel == kernel, found.isEmpty ? Self.isTrouble(kind) : Self.isObservation(kind) else {
                    continue
                }
            } else {
                guard Self.isTrouble(kind) else { continue }
            }
            found.append(entry)
        }
        return found.suffix(50).map(Self.moment)
    }

    /// Decisions of the same trigger (about the same kernel) before `decision`, within its look-back, that ran
    /// nothing.
    private func earlierDecisions(before decision: JournalEntry) -> [IncidentChain.Decision] {
        guard case .some(let trigger) = Self.triggerName(decision) else { return [] }
        let (since, after) = window(before: decision)
        return entries.filter { entry in
            guard entry.id > after, entry.id < decision.id, entry.time >= since, entry.kernel == decision.kernel,
                case .triggerSuppressed(trigger, _, _, _) = entry.event
            else { return false }
            return true
        }.suffix(20).map(Self.decision)
    }

    /// The look-back before `decision`: the earliest time, and the id of the same trigger's previous firing (about
    /// the same kernel), which ends the previous incident.
    private func window(before decision: JournalEntry) -> (since: Date, after: Int64) {
        let since = decision.time.addingTimeInterval(-Self.seconds(lookBack(for: decision)))
        let trigger = Self.triggerName(decision)
        let previous = entries.last { entry in
            guard entry.id < decision.id, entry.kernel == decision.kernel,
                case .triggerFired(let name, _, _, _, _) = entry.event
            else { return false }
            return name == trigger
        }
        return (since, previous?.id ?? 0)
    }

    /// Twice the longest window the evidence names (`for`, `within`, `window`, `horizon`, `held_ms`), at least a
    /// minute and at most an hour.
    func lookBack(for decision: JournalEntry) -> Duration {
        let evidence: [String: String]
        switch decision.event {
        case .triggerFired(_, _, _, let e, _), .triggerSuppressed(_, _, _, let e): evidence = e
        default: evidence = [:]
        }
        var longest = Duration.zero
        for key in ["for", "within", "window", "horizon"] {
            if let d = evidence[key].flatMap(Self.parseDuration), d > longest { longest = d }
        }
        if let held = evidence["held_ms"].flatMap(Double.init), held > 0 {
            longest = max(longest, .milliseconds(Int64(held)))
        }
        return min(max(longest * 2, .seconds(60)), .seconds(3600))
    }

    /// The outcome of the runs and what the kernel did after the last one ended.
    private func verify(_ runs: [IncidentChain.Run], kernel: String?) -> IncidentChain.Verification? {
        guard var final = runs.first else { return nil }
        while final.state == "failed", let to = final.escalatedTo,
            let next = runs.first(where: { $0.parent == final.id && $0.playbook == to })
        {
            final = next
        }
        guard let end = final.finishedAt else {
            return IncidentChain.Verification(
                outcome: "running", at: nil, kernelState: .pending, summary: "run \(final.id) is still running",
                watched: nil, after: [])
        }
        guard final.state == "succeeded" else {
            return IncidentChain.Verification(
                outcome: final.state, at: end, kernelState: .unknown,
                summary: "run \(final.id) (\(final.playbook)) \(final.state)"
                    + (final.error.map { ": \($0)" } ?? ""),
                watched: nil, after: [])
        }
        guard let kernel else {
            return IncidentChain.Verification(
                outcome: "succeeded", at: end, kernelState: .unknown,
                summary: "run \(final.id) (\(final.playbook)) succeeded; the incident names no kernel to watch",
                watched: nil, after: [])
        }
        let runIDs = Set(runs.map(\.id))
        let lastOfRuns = entries.last { $0.event.run.map(runIDs.contains) == true && Self.isRunEnd($0.event) }
        let endID = lastOfRuns?.id ?? 0
        let horizon = min(now, end.addingTimeInterval(Self.seconds(verificationWindow)))
        let watched = Duration.milliseconds(Int64(max(0, horizon.timeIntervalSince(end)) * 1000))
        let after = entries.filter {
            $0.id > endID && $0.kernel == kernel && $0.time <= horizon && $0.journalKind.map(Self.isObservation) == true
        }
        let during = entries.filter {
            $0.id < endID && $0.time >= (runs.first?.startedAt ?? end) && $0.kernel == kernel
                && ($0.kind == JournalKind.kernelHealthy.rawValue || $0.kind == JournalKind.kernelReady.rawValue)
        }
        let healthyAgain = (during + after).first {
            $0.kind == JournalKind.kernelHealthy.rawValue || $0.kind == JournalKind.kernelReady.rawValue
        }
        let moments = after.prefix(20).map(Self.moment)
        if let trouble = after.first(where: { $0.journalKind.map(Self.isTrouble) == true }) {
            let since = IncidentWording.duration(milliseconds: trouble.time.timeIntervalSince(end) * 1000)
            return IncidentChain.Verification(
                outcome: "succeeded", at: end, kernelState: .trouble,
                summary: "run \(final.id) succeeded, but \(kernel) was in trouble again \(since) later: "
                    + "\(trouble.kind), \(IncidentWording.summary(trouble))",
                watched: watched, after: Array(moments))
        }
        var summary = "run \(final.id) succeeded"
        if let healthyAgain {
            let at = IncidentWording.duration(milliseconds: healthyAgain.time.timeIntervalSince(final.startedAt) * 1000)
            summary +=
                "; \(kernel) was \(healthyAgain.kind == JournalKind.kernelHealthy.rawValue ? "healthy" : "ready")"
            summary += " again \(at) after it began"
        }
        summary += "; no trouble about \(kernel) in the \(IncidentWording.duration(watched)) watched since"
        return IncidentChain.Verification(
            outcome: "succeeded", at: end, kernelState: .healthy, summary: summary, watched: watched,
            after: Array(moments))
    }

    // MARK: - Helpers

    static func outcome(_ verification: IncidentChain.Verification?) -> String {
        guard let verification else { return "unknown" }
        switch (verification.outcome, verification.kernelState) {
        case ("succeeded", .healthy): return "healed"
        case ("succeeded", .trouble): return "relapsed"
        default: return verification.outcome
        }
    }

    static func summary(
        kernel: String?, observations: [IncidentChain.Moment], decision: IncidentChain.Decision,
        runs: [IncidentChain.Run], verification: IncidentChain.Verification?
    ) -> String {
        var parts: [String] = []
        if let first = observations.first {
            parts.append("\(first.kernel ?? kernel ?? "Grace"): \(first.summary)")
        }
        parts.append(decision.why)
        if let root = runs.first {
            var text = "run \(root.id) (\(root.playbook)) \(root.state)"
            if let end = root.finishedAt {
                text += " in " + IncidentWording.duration(milliseconds: end.timeIntervalSince(root.startedAt) * 1000)
            }
            if let to = root.escalatedTo { text += ", escalated to \(to)" }
            parts.append(text)
        }
        if let verification, verification.outcome != "running" { parts.append(verification.summary) }
        return parts.joined(separator: ". ") + "."
    }

    static func decision(_ entry: JournalEntry) -> IncidentChain.Decision {
        switch entry.event {
        case .triggerFired(let trigger, let playbook, _, let evidence, _):
            return IncidentChain.Decision(
                entry: entry.id, at: entry.time, trigger: trigger, playbook: playbook, verdict: .fired, reason: nil,
                why: IncidentWording.whyFired(trigger: trigger, playbook: playbook, evidence: evidence),
                condition: evidence["condition"], evidence: IncidentWording.evidence(evidence))
        case .triggerSuppressed(let trigger, let reason, _, let evidence):
            return IncidentChain.Decision(
                entry: entry.id, at: entry.time, trigger: trigger, playbook: nil, verdict: .suppressed, reason: reason,
                why: IncidentWording.whySuppressed(trigger: trigger, reason: reason, evidence: evidence),
                condition: evidence["condition"], evidence: IncidentWording.evidence(evidence))
        default:
            return IncidentChain.Decision(
                entry: entry.id, at: entry.time, trigger: nil, playbook: nil, verdict: .manual, reason: nil,
                why: entry.kind, condition: nil, evidence: [])
        }
    }

    static func moment(_ entry: JournalEntry) -> IncidentChain.Moment {
        IncidentChain.Moment(
            id: entry.id, at: entry.time, kind: entry.kind, kernel: entry.kernel,
            summary: IncidentWording.summary(entry), fields: entry.fields)
    }

    static func triggerName(_ entry: JournalEntry) -> String? {
        switch entry.event {
        case .triggerFired(let trigger, _, _, _, _), .triggerSuppressed(let trigger, _, _, _): trigger
        default: nil
        }
    }

    static func isDecision(_ entry: JournalEntry) -> Bool {
        entry.kind == JournalKind.triggerFired.rawValue || entry.kind == JournalKind.triggerSuppressed.rawValue
    }

    static func isRunEnd(_ event: JournalEvent) -> Bool {
        switch event {
        case .runSucceeded, .runFailed, .runInterrupted, .runAbandoned, .runSuperseded: true
        default: false
        }
    }

    /// Trouble worth explaining: what the dashboard shows as bad, except the runs' own failures and bookkeeping.
    static func isTrouble(_ kind: JournalKind) -> Bool {
        guard kind.tone == .bad else { return false }
        return !["run.", "step.", "kb.", "snapshot."].contains { kind.rawValue.hasPrefix($0) }
    }

    /// Trouble, and what a kernel's life adds to it (restarts, starts, recoveries).
    static func isObservation(_ kind: JournalKind) -> Bool {
        switch kind {
        case .kernelRestarting, .kernelRestartRequested, .kernelStarted, .kernelReady, .kernelHealthy,
            .kernelStopping, .kernelStopped, .kernelPaused, .kernelResumed, .kernelSignalled:
            true
        default: isTrouble(kind)
        }
    }

    /// `250ms`, `30s`, `5m`, `1h` (what trigger windows are written as); nil for anything else.
    static func parseDuration(_ text: String) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("min", 60), ("h", 3600)]
        for (unit, factor) in units.sorted(by: { $0.0.count > $1.0.count }) where text.hasSuffix(unit) {
            guard let number = Double(text.dropLast(unit.count)), number.isFinite, number >= 0 else { return nil }
            return .milliseconds(Int64(min(number * factor, 1e9) * 1000))
        }
        return nil
    }

    static func seconds(_ d: Duration) -> TimeInterval {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
