import Foundation
import TestSupport
import Testing

/// The short drill set CI runs: `grace chaos run` against the shipped configuration, real faults, JUnit output.
@Suite("Chaos drills on the shipped configuration", .serialized, .timeLimit(.minutes(10)))
struct ChaosDrillTests {
    /// Where CI keeps the drills' JUnit report (scripts/test sets it); a temporary file otherwise.
    static func junitPath(_ root: URL) -> String {
        ProcessInfo.processInfo.environment["GRACE_CHAOS_JUNIT"] ?? root.appendingPathComponent("chaos.xml").path
    }

    /// Adds a scenario that only hangs `worker`, with no recovery expected for 5 minutes (a drill to end from
    /// outside), and reloads. worker's restart policy settles in 10 s instead of the shipped 2 minutes: a drill waits
    /// for its target to have run that long, and these tests are about ending a drill, not about that wait (which
    /// took the whole of their two minutes, so a slow start lost the race).
    static func addHangWorkerLong(to root: URL) async throws {
        let kernels = root.appendingPathComponent("config/kernels.yaml")
        var documents = try String(contentsOf: kernels, encoding: .utf8).components(separatedBy: "\n---\n")
        let worker = try #require(documents.firstIndex { $0.contains("\nname: worker\n") })
        let settled = documents[worker]
            .replacingOccurrences(of: "intensity: {max: 5, within: 2m}", with: "intensity: {max: 5, within: 10s}")
            .replacingOccurrences(of: "stable_after: 1m", with: "stable_after: 5s")
        #expect(settled.contains("within: 10s") && settled.contains("stable_after: 5s"), "\(settled)")
        documents[worker] = settled
        try documents.joined(separator: "\n---\n").write(to: kernels, atomically: true, encoding: .utf8)
        let chaos = root.appendingPathComponent("config/chaos.yaml")
        var text = try String(contentsOf: chaos, encoding: .utf8)
        text += """

            ---
            kind: chaos
            name: hang-worker-long
            inject: {hang: worker}
            expect: {healthy: [worker], within: 5m}

            """
        try text.write(to: chaos, atomically: true, encoding: .utf8)
        _ = try await GraceBinary.run(["reload"], in: root)
    }

    @Test("the short drill set completes: each fault healed by its playbook, every gate held, JUnit written")
    func shortDrillSet() async throws {
        let shipped = try await HealingScenarioTests.Shipped()
        defer { shipped.grace.terminate() }
        let junit = Self.junitPath(shipped.root)
        let journal = shipped.root.appendingPathComponent("drills.json")
        let drills = [
            "kill-api", "kill-store", "hang-api", "corrupt-store-data", "emit-store-refused", "delay-api-network",
        ]
        let run = try await GraceBinary.run(
            ["chaos", "run"] + drills + ["--junit", junit, "--journal", journal.path], in: shipped.root,
            timeout: .seconds(540))
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("tests=\"\(drills.count)\" failures=\"0\""), "\(xml)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: journal)) as? [String: Any]
        let reports = try #require(object?["drills"] as? [[String: Any]])
        #expect(reports.count == drills.count)
        for report in reports {
            let gates = report["gates"] as? [[String: Any]] ?? []
            #expect(!gates.isEmpty, "\(report["scenario"] ?? "?") measured no gate")
            #expect(report["status"] as? String == "completed", "\(report)")
            #expect(report["healed_ms"] is Int, "\(report)")
        }
        // The shipped kill-api and kill-store declare probes of their own: each checked, each passed.
        for name in ["kill-api", "kill-store"] {
            let report = try #require(reports.first { $0["scenario"] as? String == name })
            let probes = report["probes"] as? [[String: Any]] ?? []
            #expect(!probes.isEmpty, "\(name) reported no probe")
            for probe in probes {
                #expect(probe["ok"] as? Bool == true && (probe["checks"] as? Int ?? 0) > 0, "\(name): \(probe)")
            }
            #expect(report["probe_success_percent"] as? Double == 100, "\(report)")
        }
        // Grace journaled every drill, with its verdict.
        let events = try await GraceBinary.run(["events", "--kind", "chaos.finished", "--json"], in: shipped.root)
        for drill in drills { #expect(events.stdout.contains(drill), "\(events.stdout)") }
        #expect(events.stdout.contains("store keeps serving (continuous)"), "\(events.stdout)")
        // Replaying the drills' history with the configuration that ran decides exactly what was decided (up to a few
        // seconds ago: the history is written once a second).
        let replay = try await ReplayDrillTests.replay(["--from", "1h", "--to", "3s"], in: shipped.root)
        #expect(replay["identical"] as? Bool == true, "\(replay)")
        #expect((replay["triggers"] as? [[String: Any]])?.count ?? 0 >= 3, "\(replay)")
        try await shipped.finish()
    }

    @Test("SIGTERM interrupts the drill under way: its rollbacks run at once, the report says interrupted")
    func sigtermInterruptsTheDrill() async throws {
        let shipped = try await HealingScenarioTests.Shipped()
        defer { shipped.grace.terminate() }
        try await Self.addHangWorkerLong(to: shipped.root)
        let journal = shipped.root.appendingPathComponent("interrupted.json")
        let runner = try RunningGrace(
            command: ["chaos", "run", "hang-worker-long", "kill-api", "--journal", journal.path], in: shipped.root,
            readStandardOutput: true)
        let hung = try await runner.waitFor(["SIGSTOP to worker"])
        let pid = try #require(hung.line.split(separator: " ").last.flatMap { Int32($0) }, "\(hung.line)")
        // Well inside the drill's 5 minutes: the runner ends it, resumes worker, writes its report and exits 1.
        let status = await runner.stop(within: .seconds(60))
        #expect(status == 1)
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        #expect(!state.contains(") T "), "worker \(pid) is still stopped: \(state)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: journal)) as? [String: Any]
        let drills = try #require(object?["drills"] as? [[String: Any]])
        // kill-api, next in line, never started.
        #expect(drills.count == 1, "\(drills)")
        #expect(drills.first?["status"] as? String == "interrupted", "\(drills)")
        let rollbacks = drills.first?["rollbacks"] as? [[String: Any]] ?? []
        #expect(rollbacks.contains { ($0["name"] as? String)?.hasPrefix("SIGCONT") == true }, "\(rollbacks)")
        let events = try await GraceBinary.run(["events", "--kind", "chaos.finished", "--json"], in: shipped.root)
        #expect(events.stdout.contains("interrupted"), "\(events.stdout)")
        try await shipped.finish()
    }

    @Test("a drill whose runner is killed is rolled back by the next run: the hung kernel is resumed")
    func interruptedDrillIsRolledBack() async throws {
        let shipped = try await HealingScenarioTests.Shipped()
        defer { shipped.grace.terminate() }
        // The runner is killed mid-drill.
        try await Self.addHangWorkerLong(to: shipped.root)
        let runner = try RunningGrace(
            command: ["chaos", "run", "hang-worker-long"], in: shipped.root, readStandardOutput: true)
        let hung = try await runner.waitFor(["SIGSTOP to worker"])
        let pid = try #require(
            hung.line.split(separator: " ").last.flatMap { Int32($0) }, "\(hung.line)")
        await runner.kill9()
        #expect(try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8).contains(") T "))
        // The next run finds the ledger and resumes the process group before anything else.
        let list = try await GraceBinary.run(["chaos", "run", "kill-api"], in: shipped.root, timeout: .seconds(300))
        #expect(list.stdout.contains("rollback left by an earlier drill: SIGCONT"), "\(list.stdout)")
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        #expect(!state.contains(") T "), "worker \(pid) is still stopped: \(state)")
        try await shipped.finish()
    }
}
