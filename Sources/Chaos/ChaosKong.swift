import Foundation
import GraceAPIModels
import GraceDSL
import Interpreter

#if canImport(Glibc)
import Glibc
#endif

/// A small seeded generator (SplitMix64): the same seed draws the same drills on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    /// A generator that starts from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `range`, uniformly.
    public mutating func fraction(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + Double(next() >> 11) / Double(1 << 53) * (range.upperBound - range.lowerBound)
    }
}

/// One fault of a Kong drill and its moment.
public struct KongFault: Sendable {
    /// When, from the drill's start.
    public var at: Duration
    /// What it is, for the report.
    public var label: String
    /// The faults injected at that moment.
    public var faults: [ChaosScenario.Fault]
    /// How long after it is injected the fault can first be healed: for a scenario's, the window its expected trigger
    /// waits out before acting (`for: 1m` of high CPU), zero for one acting on an event; for the host's saturation,
    /// its hold and then the host triggers' longest window.
    public var notice: Duration = .zero
}

extension DrillRunner {
    /// The Kong schedule for a graph: the critical tier down, one scenario's fault per fault kind, the host
    /// saturated; at seeded moments in the first three quarters of `duration`.
    public static func plan(graph: ExecutionGraph, duration: Duration, seed: UInt64) -> [KongFault] {
        var rng = SplitMix64(seed: seed)
        func moment(_ range: ClosedRange<Double>) -> Duration { duration * rng.fraction(in: range) }
        var plan: [KongFault] = []
        let critical = graph.kernels.filter { $0.tier == .critical }.map(\.header.name)
        if !critical.isEmpty {
            plan.append(
                KongFault(
                    at: moment(0.05...0.25),
                    label: "critical tier down (\(critical.map(\.value).joined(separator: ", ")))",
                    faults: critical.map { .kill($0, signal: nil) }))
        }
        // One scenario per fault kind; instance loss, partitions and delays need a fleet or a hold of their own.
        var seen: Set<String> = []
        for scenario in graph.chaos.sorted(by: { $0.header.name.value < $1.header.name.value }) {
            let kind = scenario.fault.keyword
            guard !["kill_instance", "partition", "delay", "bind_port", "stress"].contains(kind),
                seen.insert(kind).inserted
            else { continue }
            plan.append(
                KongFault(
                    at: moment(0.05...0.75), label: scenario.header.name.value, faults: [scenario.fault],
                    notice: noticeWindow(of: scenario, in: graph)))
        }
        let cpus = ProcessInfo.processInfo.activeProcessorCount
        let hold = min(Duration.seconds(60), duration / 4)
        let host = Located("host", at: .file("kong"))
        plan.append(
            KongFault(
                at: moment(0.1...0.5), label: "host saturated: \(cpus) CPU workers, 512 MiB for \(hold.ms / 1000)s",
                faults: [.stress(host, cpu: cpus, memory: ByteSize(bytes: 512 << 20), duration: hold)],
                notice: hold + hostWindow(graph)))
        return leavingTimeToNotice(plan, earliest: duration * 0.05).sorted { $0.at < $1.at }
    }

    /// How long Kong allows from its last fault until everything is healthy again.
    public static let kongRecovery: Duration = .seconds(60)
    /// What healing takes beyond its trigger's window: the metric's sampling, the playbook, a restart and the first
    /// probe (about 7 s measured for worker's CPU, bench/RESULTS.md), with room for a loaded host.
    static let kongHealAllowance: Duration = .seconds(20)

    /// Moves earlier each fault whose trigger's window would end too late: one that needs a minute of high CPU
    /// before anything acts cannot heal within `kongRecovery` of itself, so were it drawn last (or just before the
    /// last), the verdict would measure the configuration's debounce rather than its healing. Such a fault is
    /// injected at least `notice + kongHealAllowance - kongRecovery` before the last of the others (never before
    /// `earliest`); the others keep their seeded moments.
    static func leavingTimeToNotice(_ plan: [KongFault], earliest: Duration) -> [KongFault] {
        func lead(_ f: KongFault) -> Duration { f.notice + kongHealAllowance - kongRecovery }
        guard let last = plan.filter({ lead($0) <= .zero }).map(\.at).max() else { return plan }
        return plan.map { fault in
            var fault = fault
            if lead(fault) > .zero, fault.at > last - lead(fault) { fault.at = max(earliest, last - lead(fault)) }
            return fault
        }
    }

    /// The window `scenario`'s expected trigger waits out before acting, zero when it names none.
    static func noticeWindow(of scenario: ChaosScenario, in graph: ExecutionGraph) -> Duration {
        guard let name = scenario.expect?.trigger?.value,
            let trigger = graph.triggers.first(where: { $0.header.name.value == name })
        else { return .zero }
        return noticeWindow(trigger.when.condition)
    }

    /// The longest window of the triggers that watch the host's CPU, memory or load: the saturation lasts its hold,
    /// then those triggers may still have to see it go (a shed tier resumes once the host has been calm a while).
    static func hostWindow(_ graph: ExecutionGraph) -> Duration {
        func windows(_ condition: Condition) -> [Duration] {
            switch condition {
            case .metric(let metric, _, _, let window)
            where [.host_cpu, .host_memory, .host_load1].contains(metric.value):
                [window ?? .zero]
            case .any(let parts), .all(let parts, _): parts.flatMap { windows($0.condition) }
            default: []
            }
        }
        return graph.triggers.flatMap { windows($0.when.condition) }.max() ?? .zero
    }

    /// A held condition's window (`metric ... for`, `deadlock ... for`, `silence ... within`); `any` acts on its
    /// quickest part, `all` on its slowest. Conditions on events (exits, lines, signatures) have none.
    static func noticeWindow(_ condition: Condition) -> Duration {
        switch condition {
        case .metric(_, _, _, let window), .deadlock(_, let window): window ?? .zero
        case .silence(_, let within): within ?? .zero
        case .any(let parts): parts.map { noticeWindow($0.condition) }.min() ?? .zero
        case .all(let parts, _): parts.map { noticeWindow($0.condition) }.max() ?? .zero
        default: .zero
        }
    }

    /// Chaos Kong: every fault of the plan at its moment, snapshots every 20 s meanwhile; passes when every gate of
    /// the configuration holds and everything is healthy within 60 s of the last fault.
    public func kong(duration: Duration, seed: UInt64) async -> DrillReport {
        counter += 1
        let drill = "kong-\(Self.stamp())-\(counter)"
        let start = Date()
        let clockStart = ContinuousClock.now
        let plan = Self.plan(graph: target.graph, duration: duration, seed: seed)
        var report = DrillReport(
            drill: drill, scenario: "kong", title: "Chaos Kong for \(DurationParser.format(duration))",
            fault: plan.map(\.label).joined(separator: "; "), start: start, seed: seed)
        let before = await steadyState(nil, timeout: options.steadyTimeout)
        report.steadyStateBefore = before
        guard before.met, !interrupted else {
            report.status = interrupted ? "interrupted" : "aborted"
            report.detail =
                interrupted
                ? "interrupted before the first fault"
                : "steady state not met: " + before.probes.filter { !$0.ok }.map(\.name).joined(separator: "; ")
            report.end = Date()
            return report
        }
        _ = await readEvents()
        let checksums = DataChecksums(
            paths: target.graph.kernels.flatMap { $0.data.map { injector.path($0.value) } })
        let monitor = AvailabilityMonitor()
        await monitor.start(urls: healthURLs(target.graph.kernels.map(\.header.name.value)), http: target.http)
        await record(DrillRecord(drill: drill, scenario: "kong", phase: .started, fault: report.fault, seed: seed))
        say("kong: \(plan.count) faults over \(DurationParser.format(duration)), seed \(seed)")
        var restarts: [String: Int] = [:]
        func count(_ events: [(String, EventView)]) {
            for (_, e) in events where e.kind == JournalKind.kernelStarted.rawValue {
                if let k = e.kernel { restarts[k, default: 0] += 1 }
            }
        }
        let snapshotKernels = target.graph.kernels.filter { !$0.data.isEmpty }.map(\.header.name.value)
        var nextSnapshot = ContinuousClock.now + .seconds(20)
        var lastFault = ContinuousClock.now
        for fault in plan where !interrupted {
            while ContinuousClock.now - clockStart < fault.at, !interrupted {
                if ContinuousClock.now >= nextSnapshot, let link = await primary() {
                    for kernel in snapshotKernels { try? await link.snapshot(kernel: kernel) }
                    nextSnapshot = ContinuousClock.now + .seconds(20)
                }
                count(await readEvents())
                try? await Task.sleep(for: .milliseconds(200))
            }
            for f in fault.faults {
                let at = Date()
                let clock = ContinuousClock.now
                do {
                    let output = try await injector.inject(f, drill: drill)
                    report.method.append(
                        DrillReport.Activity(
                            name: fault.label, status: "succeeded", output: output, start: at,
                            durationMs: (ContinuousClock.now - clock).ms))
                    say("kong +\((ContinuousClock.now - clockStart).ms / 1000)s: \(output)")
                } catch {
                    report.method.append(
                        DrillReport.Activity(
                            name: fault.label, status: "failed", output: "\(error)", start: at,
                            durationMs: (ContinuousClock.now - clock).ms))
                    say("kong: \(fault.label) could not be injected: \(error)")
                }
            }
            lastFault = ContinuousClock.now
        }
        await record(DrillRecord(drill: drill, scenario: "kong", phase: .injected, fault: report.fault, seed: seed))
        // Recovery: every kernel healthy again, and staying so, within 60 s of the last fault (`KongRecovery`).
        // A start is the end of a time down: a crash's restart and a playbook's (which journals `kernel.stopped`,
        // not `kernel.exited`) both journal one.
        let disturbances = Set(
            [JournalKind.kernelExited, .kernelStopped, .kernelStarted, .kernelUnhealthy].map(\.rawValue))
        var recovery = KongRecovery(
            lastFault: lastFault - clockStart, end: duration, bound: Self.kongRecovery)
        var lastProbes: [DrillReport.Probe] = []
        var disturbance: String?
        while !interrupted {
            let events = await readEvents()
            count(events)
            let disturbing = events.filter { disturbances.contains($0.1.kind) }
            if let last = disturbing.last?.1 {
                disturbance = "\(last.kind) \(last.kernel ?? "") at +\((ContinuousClock.now - clockStart).ms / 1000)s"
            }
            lastProbes = await steadyProbesWithoutCooldown()
            let verdict = recovery.observe(
                healthy: lastProbes.allSatisfy(\.ok), disturbed: !disturbing.isEmpty,
                at: ContinuousClock.now - clockStart)
            if case .healed(let after) = verdict { report.healedMs = after.ms }
            if verdict != .pending { break }
            try? await Task.sleep(for: .milliseconds(500))
        }
        if report.healedMs == nil {
            let failing = lastProbes.filter { !$0.ok }.map { "\($0.name) (\($0.detail))" }
            report.detail =
                "not healthy 60 s after the last fault: "
                + (failing.isEmpty ? disturbance.map { ["last disturbed: \($0)"] } ?? [] : failing)
                .joined(separator: "; ")
        }
        let healthyAfterLastFault = report.healedMs.map { $0 <= Self.kongRecovery.ms } ?? false
        await rollbackAll(&report)
        let after = await steadyState(nil, timeout: interrupted ? .zero : options.settleTimeout)
        report.steadyStateAfter = after
        report.deviated = !after.met
        count(await readEvents())
        let samples = await monitor.stop()
        // A gate's restart bound is per fault: Kong injects several into the same kernel, each of which may need
        // its restart, so the bound is multiplied by the faults aimed at that kernel (the critical tier's kill counts).
        var faultsAt: [String: Int] = [:]
        for fault in plan {
            for f in fault.faults where f.target.type == .kernel { faultsAt[f.target.name.value, default: 0] += 1 }
        }
        report.gates = await evaluate(
            target.graph.gates.map(\.header.name.value), samples: samples, healedMs: report.healedMs,
            restarts: restarts, checksums: checksums, span: ContinuousClock.now - clockStart,
            restartScale: faultsAt)
        let failed = report.gates.filter { !$0.ok }
        var problems: [String] = report.detail.map { [$0] } ?? []
        if !healthyAfterLastFault && report.detail == nil {
            problems.append("not healthy within 60 s of the last fault")
        }
        if !failed.isEmpty {
            problems.append(
                "gates failed: " + failed.map { "\($0.gate) (\($0.check) = \($0.measured))" }.joined(separator: "; "))
        }
        if report.deviated { problems.append("steady state not back after the rollbacks") }
        report.status = problems.isEmpty ? "completed" : "failed"
        report.detail = problems.isEmpty ? nil : problems.joined(separator: ". ")
        if interrupted {
            report.status = "interrupted"
            report.detail = "interrupted" + (report.detail.map { ": " + $0 } ?? "")
        }
        report.end = Date()
        report.durationMs = (ContinuousClock.now - clockStart).ms
        await record(
            DrillRecord(
                drill: drill, scenario: "kong", phase: .finished, fault: String(report.fault.prefix(500)),
                status: report.status, deviated: report.deviated, healedMs: report.healedMs, gates: report.gates,
                detail: report.detail.map { String($0.prefix(1000)) }, seed: seed))
        return report
    }

    func steadyProbesWithoutCooldown() async -> [DrillReport.Probe] {
        await steadyState(nil, timeout: .zero).probes
    }
}
