import Foundation
import GraceAgent
import GraceDSL
import Interpreter
import Runtime
import Testing

/// `tune` from the metric history Grace keeps: the threshold fitted to the intent's percentile, and the change's
/// replay over the intent's window in the gate and in the commit message.
@Suite("Agent tune from history", .timeLimit(.minutes(5)))
struct AgentTuneTests {
    static let trigger = """
        ---
        kind: trigger
        name: web-memory
        when: {metric: memory_rss, kernel: web, above: 100MiB, for: 20s}
        run: restart-kernel
        with: {kernel: web}
        cooldown: 5m
        ---
        kind: refactor
        name: fit-web-memory
        description: Fit web's memory threshold to what it really uses.
        intent: tune
        target: {kind: trigger, name: web-memory, field: when.above}
        bounds: {min: 64MiB, max: 512MiB}
        from: {metric: memory_rss, kernel: web, percentile: 99, window: 1h, margin: 20%}
        approval: auto

        """

    @Test func aTuneTaskFitsTheThresholdToTheHistoryAndShowsItsReplay() async throws {
        let tree = try await AgentTestTree(files: ["Playbooks/kernel.yaml": AgentTestTree.playbooks + Self.trigger])
        let store = try StateStore.inMemoryForTesting()
        let now = Date()
        // A Grace has run for two hours; for the last hour web used 120 to 150MiB, above today's 100MiB threshold:
        // the trigger fired once (one excursion), and its run restarted web.
        try store.append(.graceStarted(graph: "g", pid: 1), at: now.addingTimeInterval(-7200))
        var records: [HistoryRecord] = []
        for s in stride(from: 3600, to: 0, by: -5) {
            let mib = 120 + Double(s % 31)
            records += HistoryRecord.records(
                for: [.metric(kernel: "web", metric: .memory_rss, value: mib * 1_048_576)],
                at: now.addingTimeInterval(-Double(s)))
        }
        try store.appendHistory(records)

        let task = try tree.enqueue("tune") { $0.kernel = "web" }
        let worker = tree.worker(journal: store)
        #expect(await worker.workOne())
        let done = try #require(try tree.store.task(task.id))
        #expect([.committed, .watching, .done].contains(done.state), "\(done.detail)")
        // p99 of 120..150MiB is 150MiB; with a 20% margin, 180MiB.
        let text = try tree.read("Playbooks/kernel.yaml")
        #expect(text.contains("above: 180MiB"), "\(text)")
        let message = try #require(try await tree.agentCommits().first?.message)
        #expect(message.contains("measured p99 of memory_rss over the last 1h: 150MiB ("), "\(message)")
        #expect(
            message.contains("gate: replay: `web-memory` would have fired 0 times instead of 1 over the last 1h"),
            "\(message)")
        try await AgentWorkerTests.everyAgentCommitValidates(tree)
    }

    @Test func aTuneLeavesOutTheIncidentsItsTriggerFiredOnAndChaosDrills() async throws {
        let tree = try await AgentTestTree(files: ["Playbooks/kernel.yaml": AgentTestTree.playbooks + Self.trigger])
        let store = try StateStore.inMemoryForTesting()
        let now = Date()
        func at(_ secondsAgo: Double) -> Date { now.addingTimeInterval(-secondsAgo) }
        try store.append(.graceStarted(graph: "g", pid: 1), at: at(7200))
        // web uses 60 to 90MiB, but for a leak (50 to 40 minutes ago: 300MiB) that fired web-memory, whose run
        // restarted web, and a chaos drill (20 to 18 minutes ago: 400MiB).
        func mib(_ s: Int) -> Double {
            if (2400...3000).contains(s) { return 300 }
            if (1080...1200).contains(s) { return 400 }
            return 60 + Double(s % 31)
        }
        var records: [HistoryRecord] = []
        for s in stride(from: 3600, to: 0, by: -5) {
            records += HistoryRecord.records(
                for: [.metric(kernel: "web", metric: .memory_rss, value: mib(s) * 1_048_576)], at: at(Double(s)))
        }
        try store.appendHistory(records)
        try store.append(
            .triggerFired(
                trigger: "web-memory", playbook: "restart-kernel", kernel: "web", evidence: ["held_ms": "20000"],
                run: "r1"), at: at(2980))
        try store.append(
            .runStarted(run: "r1", playbook: "restart-kernel", trigger: "web-memory", arguments: [:], parent: nil),
            at: at(2980))
        try store.append(.runSucceeded(run: "r1", playbook: "restart-kernel"), at: at(2390))
        try store.append(.chaos(phase: .started, drill: "d1", scenario: "leak", details: [:]), at: at(1205))
        try store.append(
            .chaos(phase: .finished, drill: "d1", scenario: "leak", details: ["status": "completed"]), at: at(1075))

        let task = try tree.enqueue("tune") { $0.kernel = "web" }
        let worker = tree.worker(journal: store)
        #expect(await worker.workOne())
        // p99 of 60..90MiB is 90MiB; with a 20% margin, 108MiB. With the incidents in, it would have been 400MiB.
        let text = try tree.read("Playbooks/kernel.yaml")
        #expect(text.contains("above: 108MiB"), "\(text)")
        let message = try #require(try await tree.agentCommits().first?.message)
        #expect(message.contains("measured p99 of memory_rss over the last 1h: 90MiB ("), "\(message)")
        #expect(message.contains("more left out: 1 firing of web-memory and 1 chaos drill)"), "\(message)")
        _ = task
    }
}
