import Foundation
import GraceDSL
import Testing

@testable import Interpreter

@Suite("Evidence and replay")
struct ReplayTests {
    static func graph(_ triggers: String) throws -> ExecutionGraph {
        let yaml = """
            kind: kernel
            name: api
            command: [/bin/true]
            ---
            kind: playbook
            name: heal
            params: {kernel: {type: kernel}}
            steps: [{restart: "{{ kernel }}"}]
            ---
            \(triggers)
            """
        let result = Compiler(options: CompilerOptions(checkExecutables: false)).compile([
            SourceFile(path: "r.yaml", text: yaml)
        ])
        return try #require(result.graph, "\(result.diagnostics.map(\.message))")
    }

    static let memory = """
        kind: trigger
        name: api-memory
        when: {metric: memory_rss, kernel: api, above: 100MiB, for: 20s}
        run: heal
        with: {kernel: api}
        cooldown: 1m
        """

    static func rss(_ mib: Double) -> Event { .metric(kernel: "api", metric: .memory_rss, value: mib * 1_048_576) }

    @Test("a held threshold's firing carries the window's samples, kept apart from the template fields")
    func thresholdEvidence() throws {
        let graph = try Self.graph(Self.memory)
        var engine = TriggerEngine(graph: graph, context: .init(graph: graph))
        var decisions: [TriggerEngine.Decision] = []
        for (i, mib) in [90.0, 120, 150, 130, 140].enumerated() {
            decisions += engine.observe(Self.rss(mib), now: .seconds(Int64(i * 10)))
        }
        let firing = try #require(decisions.first?.firing)
        #expect(decisions.count == 1)
        // Crossed at 120MiB (t=10 s), held for 20 s at the 130MiB sample (t=30 s).
        // Fields stay what `with:` templates see; evidence says what the condition saw.
        #expect(firing.fields == ["kernel": "api", "value": "136314880"])
        #expect(firing.evidence["metric"] == "memory_rss")
        #expect(firing.evidence["threshold"] == "> 100MiB")
        #expect(firing.evidence["for"] == "20s")
        #expect(firing.evidence["samples"] == "3")
        #expect(firing.evidence["min"] == "125829120")
        #expect(firing.evidence["max"] == "157286400")
        #expect(firing.evidence["first"] == "125829120")
        #expect(firing.evidence["held_ms"] == "20000")
        #expect(firing.evidence["value_text"] == "130MiB")
        #expect(firing.evidence["condition"] == "metric memory_rss of api > 100MiB for 20s")
        #expect(firing.journaled["threshold"] == "> 100MiB" && firing.journaled["value"] == "136314880")
    }

    @Test("a suppressed firing says how much cooldown was left")
    func cooldownEvidence() throws {
        let graph = try Self.graph(
            """
            kind: trigger
            name: crash
            when: {exit: api}
            run: heal
            with: {kernel: api}
            cooldown: 1m
            """)
        var engine = TriggerEngine(graph: graph, context: .init(graph: graph))
        let exit = Event.kernelExited(kernel: "api", code: 1, signal: nil, expected: false)
        _ = engine.observe(exit, now: .seconds(0))
        let second = try #require(engine.observe(exit, now: .seconds(15)).first)
        guard case .suppressed(let firing, let reason) = second else {
            Issue.record("expected a suppression, got \(second)")
            return
        }
        #expect(reason == "cooldown")
        #expect(firing.evidence["cooldown_left_ms"] == "45000")
        #expect(firing.evidence["last_run_ago_ms"] == "15000")
    }

    @Test("a prediction's evidence has the fitted slope; an anomaly's the mean and deviation")
    func trendEvidence() throws {
        let graph = try Self.graph(
            """
            kind: trigger
            name: leak
            when: {predict: memory_rss, kernel: api, above: 200MiB, within: 10m, window: 5m}
            run: heal
            with: {kernel: api}
            ---
            kind: trigger
            name: odd
            when: {anomaly: cpu, kernel: api, z: 3, warmup: 5}
            run: heal
            with: {kernel: api}
            """)
        var engine = TriggerEngine(graph: graph, context: .init(graph: graph))
        var firings: [Firing] = []
        for i in 0..<6 {
            firings += engine.observe(Self.rss(100 + Double(i) * 2), now: .seconds(Int64(i * 10))).map(\.firing)
            firings += engine.observe(
                .metric(kernel: "api", metric: .cpu, value: i == 5 ? 90 : 10 + Double(i % 2)),
                now: .seconds(Int64(i * 10))
            ).map(\.firing)
        }
        let leak = try #require(firings.first { $0.trigger == "leak" })
        #expect(Double(leak.evidence["slope"] ?? "") ?? 0 > 0.2 * 1_048_576 - 1)
        #expect(leak.evidence["horizon"] == "10m" && leak.evidence["window"] == "5m")
        let odd = try #require(firings.first { $0.trigger == "odd" })
        #expect(odd.evidence["mean"] != nil && odd.evidence["sd"] != nil && odd.evidence["z"] == "3")
    }

    @Test("history records give back the events they were made from")
    func recordsRoundTrip() {
        let time = Date(timeIntervalSince1970: 1_780_000_000.123)
        let events: [Event] = [
            .metric(kernel: "api", metric: .cpu, value: 12.345678901),
            .metric(kernel: "api", metric: .memory_rss, value: 123_456_789),
            .metric(kernel: nil, metric: .host_load1, value: 0.5),
            .heartbeat(name: "api"),
            .logLine(kernel: "api", stream: "stderr", text: "ERROR = spaces  and = signs"),
            .signatureSeen(
                SignatureSighting(
                    kernel: "api", line: "E refused", content: "refused", signature: "abc", template: "<*> refused",
                    severity: .error, playbook: "heal")),
            .fileChanged(kernel: nil, path: "/etc/x"),
            .certificateChecked(kernel: "api", path: "/c.pem", expiresIn: .milliseconds(5000), notAfter: "2027"),
            .kernelStarted(kernel: "api", pid: 4),
        ]
        let records = HistoryRecord.records(for: events, at: time)
        // The two api metrics share a record; a journaled event has none.
        #expect(records.count == 7)
        #expect(records.flatMap(\.events) == Array(events.dropLast()))
        // A pair that is not a known metric and a number is left out, the others kept.
        let odd = HistoryRecord(
            time: time, kind: .metrics, kernel: "api", text: "cpu=abc foo=1 memory=5 =3 cpu  zombies=2")
        #expect(
            odd.events == [
                .metric(kernel: "api", metric: .memory, value: 5), .metric(kernel: "api", metric: .zombies, value: 2),
            ])
    }

    /// Drives a trigger engine the way the runtime does (each event when it arrives, each deadline a little late)
    /// and keeps its decisions as the journal would.
    static func live(_ graph: ExecutionGraph, inputs: [ReplayInput], lateness: Duration) -> [ReplayDecision] {
        let origin = inputs[0].time
        var engine = TriggerEngine(graph: graph, context: .init(graph: graph, wallClockOrigin: origin))
        var out: [ReplayDecision] = []
        func keep(_ decisions: [TriggerEngine.Decision], _ at: Duration) {
            for d in decisions {
                var playbook: String?
                var reason: String?
                switch d {
                case .run(_, let p, _): playbook = p
                case .suppressed(_, let r): reason = r
                }
                out.append(
                    ReplayDecision(
                        time: origin.addingTimeInterval(Double(at.milliseconds) / 1000), trigger: d.firing.trigger,
                        kernel: d.firing.fields["kernel"], playbook: playbook, reason: reason))
            }
        }
        for input in inputs {
            let now = Duration.milliseconds(Int64((input.time.timeIntervalSince(origin) * 1000).rounded()))
            while let deadline = engine.nextDeadline(), deadline + lateness <= now {
                keep(engine.tick(now: deadline + lateness), deadline + lateness)
            }
            for event in input.events { keep(engine.observe(event, now: now), now) }
        }
        return out
    }

    /// An hour of a leaking, crashing kernel: samples every 5 s, a crash every 7 minutes.
    static func history(start: Date) -> [ReplayInput] {
        var inputs: [ReplayInput] = [ReplayInput(time: start, events: [], marker: .graceStarted)]
        for s in stride(from: 5, through: 3600, by: 5) {
            let mib = 80 + Double(s % 600) / 10 + (s % 45 == 0 ? 30 : 0)
            var events = [rss(mib)]
            if s % 420 == 0 { events.append(.kernelExited(kernel: "api", code: 2, signal: nil, expected: false)) }
            inputs.append(ReplayInput(time: start.addingTimeInterval(Double(s)), events: events))
        }
        return inputs
    }

    static let triggers = """
        kind: trigger
        name: api-memory
        when: {metric: memory_rss, kernel: api, above: 120MiB, for: 20s}
        run: heal
        with: {kernel: api}
        cooldown: 2m
        ---
        kind: trigger
        name: api-crash
        when: {exit: api}
        run: heal
        with: {kernel: api}
        cooldown: 10m
        """

    @Test("replaying with the configuration that ran reproduces every firing and run")
    func deterministic() throws {
        let graph = try Self.graph(Self.triggers)
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let inputs = Self.history(start: start)
        let live = Self.live(graph, inputs: inputs, lateness: .milliseconds(3))
        let end = start.addingTimeInterval(3600)
        let replayed = Replayer(graph: graph).decisions(over: inputs, from: start, to: end)
        let report = ReplayReport.compare(recorded: live, replayed: replayed, from: start, to: end)
        #expect(live.count > 10)
        #expect(report.identical, "\(report.changes)")
        #expect(report.firedThen == report.firedNow && report.runsThen == report.runsNow)
        // And a second replay decides exactly the same, to the millisecond.
        #expect(Replayer(graph: graph).decisions(over: inputs, from: start, to: end) == replayed)
    }

    @Test("a raised threshold and a longer window each fire less, and say from when")
    func changedConfiguration() throws {
        let graph = try Self.graph(Self.triggers)
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let end = start.addingTimeInterval(3600)
        let inputs = Self.history(start: start)
        let then = Replayer(graph: graph).decisions(over: inputs, from: start, to: end)
        let baseline = then.filter { $0.trigger == "api-memory" && $0.runs }.count
        #expect(baseline > 3)
        for changed in ["above: 140MiB, for: 20s", "above: 120MiB, for: 4m"] {
            let other = try Self.graph(Self.triggers.replacingOccurrences(of: "above: 120MiB, for: 20s", with: changed))
            let report = ReplayReport.compare(
                recorded: then, replayed: Replayer(graph: other).decisions(over: inputs, from: start, to: end),
                from: start, to: end)
            let row = try #require(report.triggers.first { $0.trigger == "api-memory" })
            #expect(row.runsNow < row.runsThen, "\(changed)")
            #expect(row.firstDifference != nil)
            #expect(report.changes.contains { $0.change == "would no longer start" && $0.trigger == "api-memory" })
            // The crash trigger did not change, and its decisions did not either.
            #expect(report.triggers.first { $0.trigger == "api-crash" }?.firstDifference == nil)
            #expect(report.sentences(over: "the last hour").contains { $0.hasPrefix("`api-memory` would have fired") })
        }
    }

    @Test("nothing is evaluated while Grace was stopped, and a start begins every window anew")
    func stoppedAndStarted() throws {
        let graph = try Self.graph(
            """
            kind: trigger
            name: beat
            when: {every: 1m}
            run: heal
            with: {kernel: api}
            """)
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let inputs = [
            ReplayInput(time: start, events: [], marker: .graceStarted),
            ReplayInput(time: start.addingTimeInterval(150), events: [], marker: .graceStopped),
            ReplayInput(time: start.addingTimeInterval(400), events: [], marker: .graceStarted),
        ]
        let times = Replayer(graph: graph).decisions(over: inputs, from: start, to: start.addingTimeInterval(530))
            .map { Int($0.time.timeIntervalSince(start)) }
        #expect(times == [60, 120, 460, 520])
    }
}

@Suite("Replay as it ran")
struct ReplayAsRanTests {
    @Test("a reload that names another graph switches the replay to it from that moment")
    func reloadSwitchesConfiguration() throws {
        let low = try ReplayTests.graph(ReplayTests.triggers)
        let high = try ReplayTests.graph(
            ReplayTests.triggers.replacingOccurrences(of: "above: 120MiB, for: 20s", with: "above: 1GiB, for: 20s"))
        let lowHash = String(low.contentHash.prefix(16))
        let highHash = String(high.contentHash.prefix(16))
        #expect(lowHash != highHash)
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let end = start.addingTimeInterval(3600)
        var inputs = ReplayTests.history(start: start)
        inputs[0].graph = lowHash
        // Half an hour in, the configuration is reloaded to the high threshold.
        let reload = start.addingTimeInterval(1800)
        let at = try #require(inputs.firstIndex { $0.time >= reload })
        inputs.insert(ReplayInput(time: reload, events: [], marker: .reloaded, graph: highHash), at: at)

        var replayer = Replayer(graph: low)
        replayer.others = [lowHash: .init(graph: low), highHash: .init(graph: high)]
        let asRan = replayer.decisions(over: inputs, from: start, to: end).filter { $0.trigger == "api-memory" }
        let lowOnly = Replayer(graph: low).decisions(over: inputs, from: start, to: end)
            .filter { $0.trigger == "api-memory" }
        #expect(!asRan.isEmpty && asRan.allSatisfy { $0.time < reload }, "\(asRan.map(\.time))")
        #expect(lowOnly.contains { $0.time > reload })
        // A graph that is not among the others is replayed with the replayer's own.
        inputs[at].graph = "0000000000000000"
        let unknown = replayer.decisions(over: inputs, from: start, to: end).filter { $0.trigger == "api-memory" }
        #expect(unknown.count == lowOnly.count)
    }
}
