import Foundation
import Interpreter
import Runtime
import Testing

/// `grace explain`'s chain: from journal entries to observations, decision, steps, verification and learning.
@Suite("Incident chains")
struct IncidentChainTests {
    /// A journal written at chosen times: seconds after `t0`.
    final class Timeline {
        let store: StateStore
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        private(set) var entries: [JournalEntry] = []

        init() throws {
            store = try StateStore.inMemoryForTesting()
        }

        @discardableResult
        func at(_ seconds: Double, _ event: JournalEvent) throws -> JournalEntry {
            let entry = try store.append(event, at: t0.addingTimeInterval(seconds))
            entries.append(entry)
            return entry
        }

        func builder(now seconds: Double = 600) -> IncidentChainBuilder {
            IncidentChainBuilder(entries: entries, now: t0.addingTimeInterval(seconds))
        }
    }

    /// api crashes with code 3 and is healed by heal-crashed-kernel (a retried wait_healthy step); the knowledge
    /// base counts the outcome.
    static func crash(_ t: Timeline, relapse: Bool = false) throws -> (exited: JournalEntry, fired: JournalEntry) {
        try t.at(-40, .kernelStarted(kernel: "api", pid: 100))
        try t.at(-39, .kernelReady(kernel: "api", pid: 100))
        let exited = try t.at(0, .kernelExited(kernel: "api", pid: 100, status: .exited(code: 3), ran: .seconds(40)))
        try t.at(0.01, .kernelRestarting(kernel: "api", attempt: 1, delay: .zero))
        let fired = try t.at(
            0.02,
            .triggerFired(
                trigger: "api-crash", playbook: "heal-crashed-kernel", kernel: "api",
                evidence: ["kernel": "api", "code": "3", "signal": ""], run: "heal-1"))
        try t.at(
            0.03,
            .runStarted(
                run: "heal-1", playbook: "heal-crashed-kernel", trigger: "api-crash", arguments: ["kernel": "api"],
                parent: nil))
        try t.at(0.04, .stepStarted(run: "heal-1", index: 0, name: "restart", action: "restart", attempt: 1))
        try t.at(0.5, .kernelStarted(kernel: "api", pid: 101))
        try t.at(0.6, .stepSucceeded(run: "heal-1", index: 0, name: "restart", detail: "pid 101"))
        try t.at(0.6, .stepStarted(run: "heal-1", index: 1, name: "healthy", action: "wait_healthy", attempt: 1))
        try t.at(1.6, .stepFailed(run: "heal-1", index: 1, name: "healthy", error: "not healthy yet", willRetry: true))
        try t.at(2.6, .stepStarted(run: "heal-1", index: 1, name: "healthy", action: "wait_healthy", attempt: 2))
        try t.at(3.0, .kernelHealthy(kernel: "api"))
        try t.at(3.1, .stepSucceeded(run: "heal-1", index: 1, name: "healthy", detail: ""))
        try t.at(3.2, .runSucceeded(run: "heal-1", playbook: "heal-crashed-kernel"))
        if relapse {
            try t.at(
                30,
                .kernelExited(
                    kernel: "api", pid: 101, status: .signaled(signal: 9, coreDumped: false), ran: .seconds(27)))
        }
        try t.at(
            63.2,
            .kbOutcome(
                kernel: "api",
                KnowledgeVerdict(
                    signature: "sig-1", playbook: "heal-crashed-kernel", run: "heal-1", healed: !relapse,
                    successes: 1, failures: 0, expectedSuccess: 0.67)))
        return (exited, fired)
    }

    @Test("a crash: the exit is the first observation, the firing names the exit code, the retried step is timed")
    func crashChain() throws {
        let t = try Timeline()
        let (exited, fired) = try Self.crash(t)
        let chain = try #require(t.builder().chain(for: .run("heal-1"), subject: "run heal-1"))
        #expect(chain.kernel == "api")
        #expect(chain.trigger == "api-crash")
        #expect(chain.origin == exited.time)
        // The start and ready of the earlier process are not part of the incident.
        #expect(chain.observations.map(\.kind) == ["kernel.exited", "kernel.restarting"])
        #expect(chain.observations.first?.summary.contains("exit code 3") == true)
        let decision = try #require(chain.decision)
        #expect(decision.verdict == .fired)
        #expect(decision.entry == fired.id)
        #expect(decision.evidence.contains { $0.label == "exit code" && $0.value == "3" })
        #expect(decision.why.contains("exit code 3"))
        let run = try #require(chain.runs.first)
        #expect(run.state == "succeeded")
        #expect(run.steps.map(\.name) == ["restart", "healthy"])
        #expect(run.steps[1].attempts == 2)
        #expect(run.steps[1].state == "succeeded")
        let took = try #require(run.steps[1].finishedAt).timeIntervalSince(try #require(run.steps[1].startedAt))
        #expect(abs(took - 2.5) < 0.01)
        let verification = try #require(chain.verification)
        #expect(verification.kernelState == .healthy)
        #expect(verification.summary.contains("healthy again"))
        #expect(chain.outcome == "healed")
        #expect(chain.learned.map(\.kind) == ["kb.outcome"])
        #expect(chain.samples == nil)
    }

    @Test("trouble after the run makes the incident relapsed")
    func relapse() throws {
        let t = try Timeline()
        _ = try Self.crash(t, relapse: true)
        let chain = try #require(t.builder().chain(for: .run("heal-1"), subject: "run heal-1"))
        #expect(chain.verification?.kernelState == .trouble)
        #expect(chain.verification?.summary.contains("SIGKILL") == true)
        #expect(chain.outcome == "relapsed")
    }

    @Test("memory pressure: the values and thresholds are named, and an earlier suppression says why")
    func memoryPressure() throws {
        let t = try Timeline()
        let evidence = [
            "kernel": "api", "metric": "memory_rss", "value": "175MiB", "threshold": "> 160MiB", "for": "20s",
            "held_ms": "20500", "condition": "memory_rss of api above 160MiB for 20s", "extra_key": "x",
        ]
        var suppressedEvidence = evidence
        suppressedEvidence["cooldown_left_ms"] = "95000"
        suppressedEvidence["last_run_ago_ms"] = "205000"
        try t.at(
            -5,
            .triggerSuppressed(
                trigger: "api-memory-pressure", reason: "cooldown", kernel: "api", evidence: suppressedEvidence))
        try t.at(
            0,
            .triggerFired(
                trigger: "api-memory-pressure", playbook: "relieve-memory-pressure", kernel: "api", evidence: evidence,
                run: "relieve-2"))
        try t.at(
            0.01,
            .runStarted(
                run: "relieve-2", playbook: "relieve-memory-pressure", trigger: "api-memory-pressure",
                arguments: ["kernel": "api"], parent: nil))
        try t.at(0.1, .stepStarted(run: "relieve-2", index: 0, name: "restart", action: "restart", attempt: 1))
        try t.at(1.1, .stepSucceeded(run: "relieve-2", index: 0, name: "restart", detail: ""))
        try t.at(1.2, .runSucceeded(run: "relieve-2", playbook: "relieve-memory-pressure"))
        let chain = try #require(t.builder().chain(for: .run("relieve-2"), subject: "run relieve-2"))
        let decision = try #require(chain.decision)
        let keys = decision.evidence.map(\.key)
        #expect(Array(keys.prefix(7)) == ["condition", "kernel", "metric", "value", "threshold", "for", "held_ms"])
        #expect(keys.last == "extra_key")
        #expect(decision.evidence.first { $0.key == "held_ms" }?.text == "20.50 s")
        #expect(decision.why.contains("value 175MiB"))
        #expect(decision.why.contains("above 160MiB for 20s"))  // the condition says the threshold, once
        #expect(decision.condition == "memory_rss of api above 160MiB for 20s")
        #expect(chain.earlierDecisions.count == 1)
        let earlier = try #require(chain.earlierDecisions.first)
        #expect(earlier.verdict == .suppressed)
        #expect(earlier.reason == "cooldown")
        #expect(earlier.why.contains("95.00 s of cooldown left"))
        #expect(chain.origin == t.t0.addingTimeInterval(-5))
        #expect(chain.outcome == "healed")
    }

    @Test("an escalated run is explained from the run that failed, with its undo and the run it escalated to")
    func escalation() throws {
        let t = try Timeline()
        try t.at(0, .kernelUnhealthy(kernel: "db", reason: "connection refused", failures: 3))
        try t.at(
            0.1,
            .triggerFired(trigger: "db-down", playbook: "soft", kernel: "db", evidence: ["kernel": "db"], run: "soft-1")
        )
        try t.at(0.2, .runStarted(run: "soft-1", playbook: "soft", trigger: "db-down", arguments: [:], parent: nil))
        try t.at(0.3, .stepStarted(run: "soft-1", index: 0, name: "snap", action: "snapshot", attempt: 1))
        try t.at(0.4, .stepSucceeded(run: "soft-1", index: 0, name: "snap", detail: ""))
        try t.at(0.5, .stepStarted(run: "soft-1", index: 1, name: "reload", action: "exec", attempt: 1))
        try t.at(1.5, .stepFailed(run: "soft-1", index: 1, name: "reload", error: "exit 1", willRetry: false))
        try t.at(1.6, .undoStarted(run: "soft-1", index: 0, name: "snap", action: "restore"))
        try t.at(1.9, .undoFinished(run: "soft-1", index: 0, name: "snap", error: nil))
        try t.at(2.0, .runFailed(run: "soft-1", playbook: "soft", error: "step reload failed"))
        try t.at(2.0, .runEscalated(run: "soft-1", from: "soft", to: "hard"))
        try t.at(
            2.1, .runStarted(run: "hard-2", playbook: "hard", trigger: "db-down", arguments: [:], parent: "soft-1"))
        try t.at(2.2, .stepStarted(run: "hard-2", index: 0, name: "restart", action: "restart", attempt: 1))
        try t.at(3.2, .stepSucceeded(run: "hard-2", index: 0, name: "restart", detail: ""))
        try t.at(3.3, .runSucceeded(run: "hard-2", playbook: "hard"))
        let chain = try #require(t.builder().chain(for: .run("hard-2"), subject: "run hard-2"))
        #expect(chain.run == "soft-1")
        #expect(chain.runs.map(\.id) == ["soft-1", "hard-2"])
        #expect(chain.runs[0].escalatedTo == "hard")
        #expect(chain.runs[0].undos.map(\.action) == ["restore"])
        #expect(chain.runs[1].parent == "soft-1")
        #expect(chain.observations.map(\.kind) == ["kernel.unhealthy"])
        #expect(chain.verification?.outcome == "succeeded")
        #expect(chain.outcome == "healed")
    }

    @Test("a run started by hand still explains its steps")
    func manualRun() throws {
        let t = try Timeline()
        try t.at(
            0,
            .runStarted(run: "m-1", playbook: "restart-kernel", trigger: nil, arguments: ["kernel": "api"], parent: nil)
        )
        try t.at(0.1, .stepStarted(run: "m-1", index: 0, name: "restart", action: "restart", attempt: 1))
        try t.at(0.9, .stepSucceeded(run: "m-1", index: 0, name: "restart", detail: ""))
        try t.at(1.0, .runSucceeded(run: "m-1", playbook: "restart-kernel"))
        let chain = try #require(t.builder().chain(for: .run("m-1"), subject: "run m-1"))
        #expect(chain.decision?.verdict == .manual)
        #expect(chain.decision?.why.contains("by hand") == true)
        #expect(chain.runs.first?.steps.count == 1)
        #expect(chain.kernel == "api")
        #expect(t.builder().target(forKernel: "api") == .run("m-1"))
    }

    @Test("an event leads to its incident: an observation to the run it caused, a suppression to itself")
    func targets() throws {
        let t = try Timeline()
        let (exited, fired) = try Self.crash(t)
        let suppressed = try t.at(
            100,
            .triggerSuppressed(trigger: "api-crash", reason: "rate-limited", kernel: "api", evidence: ["rate": "3/10m"])
        )
        let builder = t.builder()
        #expect(builder.target(forEntry: exited) == .run("heal-1"))
        #expect(builder.target(forEntry: fired) == .run("heal-1"))
        #expect(builder.target(forEntry: suppressed) == .decision(suppressed.id))
        #expect(builder.target(forKernel: "api") == .run("heal-1"))
        #expect(builder.target(forKernel: "nobody") == nil)
        let chain = try #require(builder.chain(for: .decision(suppressed.id), subject: "event"))
        #expect(chain.outcome == "suppressed")
        #expect(chain.decision?.why.contains("rate-limited") == true)
        #expect(chain.decision?.why.contains("3/10m") == true)
        #expect(chain.runs.isEmpty)
    }

    @Test("the explainer reads a run, an event and a kernel's latest incident from the database alike")
    func explainerReadsTheStore() throws {
        let t = try Timeline()
        let (exited, _) = try Self.crash(t)
        // Unrelated entries around it.
        try t.at(200, .kernelStarted(kernel: "web", pid: 7))
        let explainer = IncidentExplainer(store: t.store)
        let now = t.t0.addingTimeInterval(600)
        let byRun = try #require(try explainer.explain(run: "heal-1", now: now))
        let byEvent = try #require(try explainer.explain(event: exited.id, now: now))
        let byKernel = try #require(try explainer.explain(kernel: "api", now: now))
        let direct = try #require(t.builder().chain(for: .run("heal-1"), subject: "run heal-1"))
        #expect(byRun == direct)
        #expect(byEvent.subject == "event \(exited.id)", "\(byEvent)")
        #expect(byEvent.runs == direct.runs)
        #expect(byKernel.observations == direct.observations)
        #expect(try explainer.explain(run: "nope", now: now) == nil)
        #expect(try explainer.explain(kernel: "web", now: now) == nil)
    }
}
