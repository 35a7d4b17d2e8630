import Foundation
import GraceAPIModels
import GraceDSL
import Interpreter

/// Runs drills one after another against a running Grace: steady state, fault, expectations, rollbacks, steady
/// state again, gates from evidence; every phase reported to Grace's journal.
public actor DrillRunner {
    /// How long to wait for things the scenarios do not state.
    public struct Options: Sendable {
        /// Longest wait for the steady state before a fault (not met: the drill is aborted).
        public var steadyTimeout: Duration = .seconds(120)
        /// Longest wait for the steady state after the rollbacks (not met: the drill deviated).
        public var settleTimeout: Duration = .seconds(90)
        /// The recovery deadline of a scenario without `within`.
        public var defaultWithin: Duration = .seconds(60)

        /// The defaults.
        public init() {}
    }

    let target: DrillTarget
    let injector: FaultInjector
    let ledger: RollbackLedger
    let options: Options
    let say: @Sendable (String) -> Void
    private var cursors: [String: Int64] = [:]
    private var lastFired: [String: ContinuousClock.Instant] = [:]
    var counter = 0
    /// Set by `interrupt()`: the drill under way stops waiting, runs its rollbacks and is reported `interrupted`;
    /// no further drill starts.
    public private(set) var interrupted = false

    /// Makes a runner; `say` prints progress for people.
    public init(
        target: DrillTarget, workDirectory: URL, options: Options = Options(),
        say: @escaping @Sendable (String) -> Void
    ) {
        self.target = target
        self.ledger = RollbackLedger(url: workDirectory.appendingPathComponent("rollbacks.json"))
        self.injector = FaultInjector(target: target, ledger: ledger, workDirectory: workDirectory)
        self.options = options
        self.say = say
    }

    /// Ends the drill under way early (Ctrl-C, SIGTERM): what it waits for is cut short, its rollbacks still run.
    public func interrupt() {
        interrupted = true
        say("interrupted: ending the drill under way, its rollbacks still run")
    }

    /// Undoes what an interrupted earlier drill left in the ledger; returns what was done.
    public func finishLeftovers() async -> [String] {
        var done: [String] = []
        for rollback in await ledger.items.reversed() {
            done.append(rollback.summary + ": " + (await injector.undo(rollback)))
            await ledger.done(rollback)
        }
        return done
    }

    // MARK: - Links and events

    func answering() async -> [(String, any GraceLink, StatusResponse)] {
        var list: [(String, any GraceLink, StatusResponse)] = []
        for (name, link) in target.links.sorted(by: { $0.key < $1.key }) {
            if let status = try? await link.status() { list.append((name, link, status)) }
        }
        return list
    }

    /// The link that serves the kernels: the primary of the fleet, or the only Grace.
    func primary() async -> (any GraceLink)? {
        let links = await answering()
        return (links.first { $0.2.role == .primary || $0.2.role == .standalone } ?? links.first)?.1
    }

    func readEvents() async -> [(String, EventView)] {
        var all: [(String, EventView)] = []
        for (name, link, status) in await answering() {
            var after = cursors[name] ?? status.journal.lastID
            while let page = try? await link.events(after: after), !page.isEmpty {
                all += page.map { (name, $0) }
                after = page.last?.id ?? after
                if page.count < 100 { break }
            }
            cursors[name] = after
        }
        for (_, e) in all where e.kind == JournalKind.triggerFired.rawValue {
            if let t = e.fields["trigger"] { lastFired[t] = .now }
        }
        return all
    }

    /// Reports a phase of a drill to the primary, which journals it: tried three times, a second apart (a Grace
    /// just through a fault may not answer, or limit this client's rate), then said on the terminal. The fault is
    /// cut to the 200 characters the API takes (a Kong drill's list of faults is longer).
    func record(_ record: DrillRecord) async {
        var record = record
        if let fault = record.fault, fault.count > 200 { record.fault = String(fault.prefix(197)) + "..." }
        var failure = "no Grace of this configuration answers"
        for attempt in 0..<3 {
            if attempt > 0 { try? await Task.sleep(for: .seconds(1)) }
            guard let link = await primary() else { continue }
            do {
                try await link.record(record)
                return
            } catch {
                failure = "\(error)"
            }
        }
        say("\(record.drill): could not journal chaos.\(record.phase.rawValue): \(failure)")
    }

    // MARK: - Steady state

    /// Waits for the steady state: Grace's view and the runner's own probes, then the scenario's declared probes
    /// of the moment (`start` and `edge` probes `before` the fault, `end` and `edge` ones after the rollbacks),
    /// which are checked only once the rest holds.
    func steadyState(
        _ scenario: ChaosScenario?, timeout: Duration, declared: DrillProbes? = nil, before: Bool = true
    ) async -> DrillReport.SteadyState {
        let started = ContinuousClock.now
        // The expected trigger's cooldown ends at a known moment: wait for it on top of the usual timeout.
        var timeout = timeout
        if let scenario, let left = cooldownLeft(scenario), left > .zero { timeout += left }
        var probes: [DrillReport.Probe] = []
        while true {
            probes = await steadyProbes(scenario)
            let rest = probes.allSatisfy(\.ok)
            let late = ContinuousClock.now - started > timeout
            // Checked when the rest holds, and once at the deadline so that the report shows them.
            if let declared, rest || late { probes += await declared.checkOnce(before: before) }
            if probes.allSatisfy(\.ok) || late || interrupted { break }
            try? await Task.sleep(for: .milliseconds(500))
        }
        return .init(met: probes.allSatisfy(\.ok), probes: probes, waitedMs: (ContinuousClock.now - started).ms)
    }

    private func steadyProbes(_ scenario: ChaosScenario?) async -> [DrillReport.Probe] {
        var probes: [DrillReport.Probe] = []
        guard let link = await primary(), let status = try? await link.status() else {
            return [.init(name: "grace answers", ok: false, detail: "no Grace of this configuration answers")]
        }
        probes.append(.init(name: "grace answers", ok: !status.degraded, detail: status.degraded ? "degraded" : "ok"))
        let kernels = (try? await link.kernels()) ?? []
        for k in kernels where k.state != "stopped" {
            let ok = k.state == "running" && k.healthy != false && !k.paused
            probes.append(
                .init(
                    name: "kernel \(k.name) healthy", ok: ok,
                    detail: "\(k.state)\(k.paused ? ", paused" : "")\(k.healthy == false ? ", probe failing" : "")"))
        }
        for (kernel, url) in healthURLs(kernels.map(\.name)) {
            let code = await target.http.get(url, timeout: .seconds(1))
            probes.append(
                .init(
                    name: "GET \(url)", ok: code.map { (200..<400).contains($0) } ?? false,
                    detail: code.map { "\(kernel): \($0)" } ?? "\(kernel): no answer"))
        }
        if let scenario, let trigger = scenario.expect?.trigger?.value, let left = cooldownLeft(scenario) {
            probes.append(
                .init(
                    name: "trigger \(trigger) ready", ok: left <= .zero,
                    detail: left <= .zero ? "out of its cooldown" : "in its cooldown for \(left.ms) ms more"))
        }
        // The kernels the drill is about have run for their `stable_after` and their restart intensity's window:
        // a policy still backing off from the last drill, or a window still holding its restarts (so that one
        // more gives up), would make this drill measure the last one's aftermath.
        if let scenario {
            let names = Set([scenario.fault.target.name.value] + (scenario.expect?.healthy.map(\.value) ?? []))
            for k in kernels where names.contains(k.name) {
                guard let declared = target.graph.kernels.first(where: { $0.header.name.value == k.name }) else {
                    continue
                }
                let stable = max(declared.restart.stableAfter, declared.restart.intensity.within).seconds
                let up = k.uptimeSeconds ?? 0
                probes.append(
                    .init(
                        name: "kernel \(k.name) stable", ok: up >= stable,
                        detail: String(format: "up %.0fs of the %.0fs its restart policy settles in", up, stable)))
            }
        }
        return probes
    }

    /// How long the scenario's expected trigger stays in its cooldown, or its coalescing window, whichever is longer
    /// (nil: no trigger, or it has neither): a firing then would be suppressed, and the drill would measure that.
    public func cooldownLeft(_ scenario: ChaosScenario) -> Duration? {
        guard let trigger = scenario.expect?.trigger?.value,
            let declared = target.graph.triggers.first(where: { $0.header.name.value == trigger }),
            let cooldown = [declared.cooldown, declared.coalesce].compactMap({ $0 }).max()
        else { return nil }
        guard let fired = lastFired[trigger] else { return .zero }
        return cooldown - (ContinuousClock.now - fired)
    }

    /// The kernels' declared http health URLs.
    func healthURLs(_ names: [String]) -> [String: String] {
        var urls: [String: String] = [:]
        for kernel in target.graph.kernels where names.contains(kernel.header.name.value) {
            if case .http(let url, _)? = kernel.health?.check { urls[kernel.header.name.value] = url }
        }
        return urls
    }

    // MARK: - One drill

    /// Runs one scenario and returns its report (never throws: a failure is a report).
    public func run(_ scenario: ChaosScenario, seed: UInt64? = nil) async -> DrillReport {
        counter += 1
        let name = scenario.header.name.value
        let drill = "\(name)-\(Self.stamp())-\(counter)"
        let start = Date()
        let clockStart = ContinuousClock.now
        var report = DrillReport(
            drill: drill, scenario: name, title: scenario.header.description ?? name, fault: scenario.fault.summary,
            start: start, seed: seed)
        let declared = DrillProbes(
            probes: scenario.probes, http: target.http, root: target.root, executable: target.executable)
        func finish() async -> DrillReport {
            await declared.stop(.onChaos)
            await declared.stop(.continuous)
            report.probes = await declared.results()
            report.end = Date()
            report.durationMs = (ContinuousClock.now - clockStart).ms
            await record(
                DrillRecord(
                    drill: drill, scenario: name, phase: .finished, fault: report.fault, status: report.status,
                    deviated: report.deviated, healedMs: report.healedMs,
                    gates: report.gates + report.probes.map(\.asCheck),
                    detail: report.detail.map { String($0.prefix(1000)) }, seed: seed))
            return report
        }
        // A fault against an instance needs that instance: start it for the drill, stop it after.
        // A fault against an instance needs the instance, and a standby to take over when it is the primary: the
        // best of the others by priority. What the drill starts, it stops afterwards.
        if case .killInstance(let instance) = scenario.fault {
            await ensureInstance(instance.value, activities: &report.method)
            let others = (target.graph.fleet(listing: instance.value)?.instances ?? [])
                .filter { $0.name.value != instance.value }.sorted { $0.priority.value > $1.priority.value }
            let main = await primary()
            if main?.instance == instance.value || main == nil, let standby = others.first {
                await ensureInstance(standby.name.value, activities: &report.method)
            }
        }
        say("\(name): waiting for the steady state")
        let before = await steadyState(scenario, timeout: options.steadyTimeout, declared: declared)
        report.steadyStateBefore = before
        guard before.met, !interrupted else {
            report.status = interrupted ? "interrupted" : "aborted"
            report.detail =
                interrupted
                ? "interrupted before the fault"
                : "steady state not met: "
                    + before.probes.filter { !$0.ok }.map { "\($0.name) (\($0.detail))" }.joined(separator: "; ")
            await rollbackAll(&report)
            return await finish()
        }
        _ = await readEvents()
        let dataPaths = target.graph.kernels.flatMap { $0.data.map { injector.path($0.value) } }
        let checksums = DataChecksums(paths: dataPaths)
        let monitor = AvailabilityMonitor()
        let watched = healthURLs(target.graph.kernels.map(\.header.name.value))
        await monitor.start(urls: watched, http: target.http)
        await record(DrillRecord(drill: drill, scenario: name, phase: .started, fault: report.fault, seed: seed))
        await declared.start(.continuous)

        // The method: inject.
        await declared.start(.onChaos)
        let injectedAt = ContinuousClock.now
        let injectedDate = Date()
        do {
            let output = try await injector.inject(scenario.fault, drill: drill)
            report.method.append(
                DrillReport.Activity(
                    name: scenario.fault.keyword, status: "succeeded", output: output, start: injectedDate,
                    durationMs: (ContinuousClock.now - injectedAt).ms))
            say("\(name): \(output)")
        } catch {
            report.method.append(
                DrillReport.Activity(
                    name: scenario.fault.keyword, status: "failed", output: "\(error)", start: injectedDate,
                    durationMs: (ContinuousClock.now - injectedAt).ms))
            report.status = "failed"
            report.detail = "the fault could not be injected: \(error)"
            _ = await monitor.stop()
            await rollbackAll(&report)
            return await finish()
        }
        await record(
            DrillRecord(
                drill: drill, scenario: name, phase: .injected, fault: report.fault,
                detail: report.method.last?.output, seed: seed))

        // Expectations.
        let within = scenario.expect?.within ?? options.defaultWithin
        var expectation = DrillReport.Expectation(
            trigger: scenario.expect?.trigger?.value, triggerFiredMs: nil,
            playbook: scenario.expect?.playbook?.value, playbookSucceededMs: nil, run: nil,
            healthy: scenario.expect?.healthy.map(\.value) ?? [], healthyMs: nil, withinMs: within.ms)
        var started: [String: Int] = [:]
        var runs: Set<String> = []
        var liftAt: ContinuousClock.Instant? = nil
        // Faults that last a while by design are held that long before recovery counts, then lifted.
        if case .partition(_, let hold) = scenario.fault { liftAt = injectedAt + (hold ?? .seconds(20)) }
        if case .delay(_, _, _, let hold) = scenario.fault { liftAt = injectedAt + (hold ?? .seconds(30)) }
        if case .stress(_, _, _, let hold) = scenario.fault { liftAt = injectedAt + (hold ?? .seconds(60)) }
        while ContinuousClock.now - injectedAt <= within, !interrupted {
            if let lift = liftAt, ContinuousClock.now >= lift {
                liftAt = nil
                await rollbackAll(&report)
            }
            let elapsed = (ContinuousClock.now - injectedAt).ms
            for (instance, e) in await readEvents() {
                switch e.kind {
                case JournalKind.triggerFired.rawValue where e.fields["trigger"] == expectation.trigger:
                    if expectation.triggerFiredMs == nil { expectation.triggerFiredMs = elapsed }
                case JournalKind.runStarted.rawValue:
                    // The expected playbook's run, or the run it escalated to (its `on_failure`): a run that fails
                    // and hands over to its fallback, which succeeds, is the recovery the playbook declares.
                    if let run = e.fields["run"],
                        e.fields["playbook"] == expectation.playbook
                            || e.fields["parent"].map({ runs.contains(instance + "/" + $0) }) == true
                    {
                        runs.insert(instance + "/" + run)
                    }
                case JournalKind.runSucceeded.rawValue:
                    if let run = e.fields["run"], runs.contains(instance + "/" + run),
                        expectation.playbookSucceededMs == nil
                    {
                        expectation.playbookSucceededMs = elapsed
                        let via = e.fields["playbook"].flatMap { $0 == expectation.playbook ? nil : $0 }
                        expectation.run = instance + "/" + run + (via.map { " (\($0), its escalation)" } ?? "")
                    }
                case JournalKind.kernelStarted.rawValue:
                    if let k = e.kernel { started[k, default: 0] += 1 }
                default: break
                }
            }
            let triggerOK = expectation.trigger == nil || expectation.triggerFiredMs != nil
            let playbookOK = expectation.playbook == nil || expectation.playbookSucceededMs != nil
            if triggerOK && playbookOK, liftAt == nil, await healthy(expectation.healthy, monitor: monitor) {
                expectation.healthyMs = elapsed
                report.healedMs = elapsed
                break
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        report.expectation = expectation
        await declared.stop(.onChaos)
        await rollbackAll(&report)
        let after = await steadyState(
            nil, timeout: interrupted ? .zero : options.settleTimeout, declared: declared, before: false)
        await declared.stop(.continuous)
        report.probes = await declared.results()
        report.steadyStateAfter = after
        report.deviated = !after.met
        for (_, e) in await readEvents() where e.kind == JournalKind.kernelStarted.rawValue {
            if let k = e.kernel { started[k, default: 0] += 1 }
        }
        let samples = await monitor.stop()
        report.gates = await evaluate(
            scenario.gates.map(\.value), samples: samples, healedMs: report.healedMs, restarts: started,
            checksums: checksums, span: ContinuousClock.now - injectedAt)
        var problems: [String] = []
        if report.healedMs == nil {
            var missing: [String] = []
            if let t = expectation.trigger, expectation.triggerFiredMs == nil {
                missing.append("trigger \(t) did not fire")
            }
            if let p = expectation.playbook, expectation.playbookSucceededMs == nil {
                missing.append("playbook \(p) did not succeed")
            }
            if missing.isEmpty { missing.append("\(expectation.healthy.joined(separator: ", ")) not healthy") }
            problems.append("not healed within \(DurationParser.format(within)): " + missing.joined(separator: ", "))
        }
        // A probe checked once in the steady state after is in `deviated` below.
        let probesFailed = report.probes.filter { !$0.ok && ($0.mode == "continuous" || $0.mode == "on_chaos") }
        if !probesFailed.isEmpty {
            problems.append(
                "probes failed: "
                    + probesFailed.map {
                        "\($0.name) (\($0.passed) of \($0.checks) checks passed, "
                            + String(format: "%.1f%%, needs %.0f%%", $0.successPercent, $0.needsPercent)
                            + ($0.firstFailure.map { "; first failure \($0)" } ?? "") + ")"
                    }.joined(separator: "; "))
        }
        let failed = report.gates.filter { !$0.ok }
        if !failed.isEmpty {
            problems.append(
                "gates failed: "
                    + failed.map { "\($0.gate) (\($0.check) = \($0.measured), needs \($0.threshold))" }.joined(
                        separator: "; "))
        }
        if report.deviated {
            problems.append(
                "steady state not back: "
                    + after.probes.filter { !$0.ok }.map { "\($0.name) (\($0.detail))" }.joined(separator: "; "))
        }
        report.status = problems.isEmpty ? "completed" : "failed"
        report.detail = problems.isEmpty ? nil : problems.joined(separator: ". ")
        if interrupted && report.healedMs == nil {
            report.status = "interrupted"
            report.detail = "interrupted before it healed" + (report.detail.map { ": " + $0 } ?? "")
        }
        say("\(name): \(report.status)" + (report.healedMs.map { ", healed in \($0) ms" } ?? ""))
        return await finish()
    }

    private func healthy(_ kernels: [String], monitor: AvailabilityMonitor) async -> Bool {
        guard let link = await primary(), let views = try? await link.kernels() else { return false }
        let samples = await monitor.current
        for name in kernels {
            guard let k = views.first(where: { $0.name == name }), k.state == "running", k.healthy != false,
                !k.paused
            else { return false }
            if let last = samples[name]?.last, !last.ok { return false }
        }
        return true
    }

    /// Makes sure `instance` runs and is in its fleet (a standby or the primary) before the drill: started when it
    /// does not answer (stopped after the drill), asked to rejoin when an earlier drill's loss of it left it
    /// quarantined (again every 5 s, should a request fail), waited for up to 60 s. A standby still joining, or
    /// still quarantined, is not one the fleet notices losing or can promote: the drill needs the fleet as it was
    /// before any drill.
    private func ensureInstance(_ instance: String, activities: inout [DrillReport.Activity]) async {
        let at = Date()
        if (try? await target.links[instance]?.status()) == nil {
            do {
                let pid = try await target.startInstance(instance)
                if let start = ProcessIdentity.startTime(pid) {
                    await ledger.add(.stopInstance(pid: pid, startTime: start, instance: instance))
                }
                activities.append(
                    .init(
                        name: "start instance", status: "succeeded", output: "started \(instance) (pid \(pid))",
                        start: at, durationMs: Int64(Date().timeIntervalSince(at) * 1000)))
            } catch {
                activities.append(
                    .init(
                        name: "start instance", status: "failed", output: "\(error)", start: at,
                        durationMs: Int64(Date().timeIntervalSince(at) * 1000)))
                return
            }
        }
        var asked: ContinuousClock.Instant?
        var notes: [String] = []
        var role: Role?
        for _ in 0..<600 {
            if let link = target.links[instance] {
                role = (try? await link.status())?.role
                if role == .standby || role == .primary || role == .standalone { break }
                if role == .quarantined, asked.map({ ContinuousClock.now - $0 >= .seconds(5) }) ?? true {
                    asked = .now
                    do {
                        try await link.rejoin()
                        notes.append("asked \(instance) to rejoin")
                    } catch {
                        notes.append("\(instance) could not rejoin: \(error)")
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        let inFleet = role == .standby || role == .primary || role == .standalone
        // A standby is a member the primary can lose only once the primary has seen it: its fleet view lists it
        // present, and its membership watch (every `renew`) has passed since.
        if role == .standby, let fleet = target.graph.fleet(listing: instance) {
            var seen = false
            for _ in 0..<300 where !seen {
                if let view = try? await primary()?.fleet(),
                    view.members.contains(where: { $0.instance == instance && $0.present })
                {
                    seen = true
                } else {
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            if seen { try? await Task.sleep(for: (fleet.lease?.renew.value ?? .seconds(1)) * 2) }
            notes.append(seen ? "the primary sees \(instance)" : "the primary does not list \(instance) within 30 s")
        }
        guard !notes.isEmpty || !inFleet else { return }
        activities.append(
            .init(
                name: "instance in its fleet", status: inFleet ? "succeeded" : "failed",
                output: (notes.map { $0 + "; " }.joined())
                    + "\(instance) is \(role.map { "\($0)" } ?? "not answering")",
                start: at, durationMs: Int64(Date().timeIntervalSince(at) * 1000)))
    }

    /// Before an instance the drill started is stopped: when it is the primary now (it took over from the instance
    /// the drill killed), the other instances that run again are brought back first, so that one of them takes the
    /// lease when it stops. A standby that its fleet quarantined for the loss is asked to rejoin (the quarantine was
    /// the fleet's answer to the drill's own fault), and the stop waits until one is a standby again (60 s at most).
    /// Without this, stopping the drill's instance left the fleet with no primary until the quarantine ended.
    private func handBack(from instance: String) async -> String {
        guard let link = target.links[instance], (try? await link.status())?.role == .primary else { return "" }
        let others = target.links.filter { $0.key != instance }.sorted { $0.key < $1.key }
        var notes: [String] = []
        var asked: Set<String> = []
        // The instance the drill started again may still be starting, or be quarantined only once it is up: looked
        // at again every 100 ms.
        for _ in 0..<600 {
            for (name, other) in others {
                guard let role = (try? await other.status())?.role else { continue }
                if role == .standby {
                    return notes.map { $0 + "; " }.joined() + "\(name) is a standby, ready to take over; "
                }
                if role == .quarantined, asked.insert(name).inserted {
                    do {
                        try await other.rejoin()
                        notes.append("asked \(name) to rejoin")
                    } catch {
                        notes.append("\(name) could not rejoin: \(error)")
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return notes.map { $0 + "; " }.joined() + "no standby came back within 60 s; "
    }

    /// Runs every pending rollback, newest first, and records each.
    func rollbackAll(_ report: inout DrillReport) async {
        let pending = await ledger.items
        // An instance the drill started for itself is not started again after its loss: it is to be stopped.
        let startedForDrill = Set(
            pending.compactMap { if case .stopInstance(_, _, let i) = $0 { i } else { nil } })
        for rollback in pending.reversed() {
            let at = Date()
            let clock = ContinuousClock.now
            var output: String
            if case .startInstance(let instance) = rollback, startedForDrill.contains(instance) {
                output = "\(instance) not started again: it ran only for the drill"
            } else {
                var handedBack = ""
                if case .stopInstance(_, _, let instance) = rollback {
                    handedBack = await handBack(from: instance)
                }
                output = handedBack + (await injector.undo(rollback))
            }
            await ledger.done(rollback)
            report.rollbacks.append(
                .init(
                    name: rollback.summary, status: output.hasPrefix("failed") ? "failed" : "succeeded",
                    output: output, start: at, durationMs: (ContinuousClock.now - clock).ms))
        }
    }

    // MARK: - Gates

    func evaluate(
        _ gateNames: [String], samples: [String: [AvailabilityMonitor.Sample]], healedMs: Int64?,
        restarts: [String: Int], checksums: DataChecksums, span: Duration, restartScale: [String: Int] = [:]
    ) async -> [GateCheckResult] {
        var results: [GateCheckResult] = []
        for name in gateNames {
            guard let gate = target.graph.gates.first(where: { $0.header.name.value == name }) else { continue }
            for check in gate.checks {
                switch check {
                case .availability(let k, let atLeast, let window):
                    let a = Availability(samples[k.value] ?? [])
                    let charged = max(window ?? span, span)
                    let value = a.samples == 0 ? 0 : max(0, 1 - a.downtime.seconds / charged.seconds) * 100
                    results.append(
                        .init(
                            gate: name, check: "availability of \(k.value)",
                            measured: String(
                                format: "%.2f%% (down %.1fs of %@, %d probes)", value,
                                a.downtime.seconds, DurationParser.format(charged), a.samples),
                            threshold: ">= \(atLeast)", ok: a.samples > 0 && value >= atLeast.value))
                case .errorBudget(let k, let budget):
                    let a = Availability(samples[k.value] ?? [])
                    results.append(
                        .init(
                            gate: name, check: "downtime of \(k.value)",
                            measured: String(format: "%.1fs", a.downtime.seconds),
                            threshold: "<= " + DurationParser.format(budget), ok: a.downtime <= budget))
                case .timeToHeal(let k, let under):
                    results.append(
                        .init(
                            gate: name, check: "time to heal \(k.value == "*" ? "everything" : k.value)",
                            measured: healedMs.map { String(format: "%.1fs", Double($0) / 1000) } ?? "not healed",
                            threshold: "< " + DurationParser.format(under),
                            ok: healedMs.map { $0 < under.ms } ?? false))
                case .maxRestarts(let k, let count):
                    let n = restarts[k.value] ?? 0
                    let faults = max(1, restartScale[k.value] ?? 1)
                    let bound = count * faults
                    results.append(
                        .init(
                            gate: name, check: "restarts of \(k.value)", measured: "\(n)",
                            threshold: "<= \(bound)" + (faults > 1 ? " (\(count) for each of \(faults) faults)" : ""),
                            ok: n <= bound))
                case .dataLoss:
                    let lost = checksums.lost()
                    results.append(
                        .init(
                            gate: name, check: "data kept (\(checksums.entries.count) files)",
                            measured: lost.isEmpty ? "nothing lost" : lost.prefix(3).joined(separator: "; "),
                            threshold: "nothing lost", ok: lost.isEmpty))
                case .journalIntact:
                    var problems: [String] = []
                    var checked = 0
                    // A Grace just through a drill may be slow to answer (or limit this client's rate): a few tries.
                    var links = await answering()
                    for _ in 0..<10 where links.isEmpty {
                        try? await Task.sleep(for: .seconds(1))
                        links = await answering()
                    }
                    for (instance, link, _) in links {
                        guard let check = try? await link.journalCheck() else {
                            problems.append("\(instance): cannot verify")
                            continue
                        }
                        checked += 1
                        if !check.intact { problems.append("\(instance): \(check.detail ?? "broken")") }
                    }
                    results.append(
                        .init(
                            gate: name, check: "journal chain",
                            measured: problems.isEmpty
                                ? "intact (\(checked) journals)" : problems.joined(separator: "; "),
                            threshold: "intact", ok: problems.isEmpty && checked > 0))
                }
            }
        }
        return results
    }

    static func stamp() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd'T'HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }
}

extension Duration {
    var ms: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
