import Foundation
import TestSupport
import Testing

/// Mutual repair of Grace's own components, end to end: the `grace` binary on a copy of the shipped configuration
/// in a git repository, with its agent process, the faults injected the way an operator's drill does (`grace
/// components hang`, signals). Times are printed (bench/mutual records them), never asserted.
@Suite("Mutual repair drills", .serialized, .timeLimit(.minutes(10)))
struct MutualRepairDrillTests {
    typealias Repository = AgentDrillTests.Repository

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        Repository.seconds(ContinuousClock.now - start)
    }

    /// `grace components ARGUMENTS` in the repository; its output.
    private static func components(_ arguments: [String], in repo: Repository) async throws -> String {
        let out = try await GraceBinary.run(["components"] + arguments, in: repo.root)
        #expect(out.status == 0, "grace components \(arguments.joined(separator: " ")): \(out.stdout)\(out.stderr)")
        return out.stdout
    }

    @Test("healer stuck: the root rebuilds it from the journal; restart-healer follows up without a second restart")
    func stuckHealer() async throws {
        let repo = try await Repository()
        defer { repo.grace.terminate() }
        _ = try await repo.grace.waitFor(["healer.started"])
        let before = repo.grace.output.count - 1
        let start = ContinuousClock.now
        _ = try await Self.components(["hang", "healer"], in: repo)
        let silent = try await repo.grace.waitFor(["component.silent", "component=healer"], after: before)
        let noticed = Self.seconds(since: start)
        let restarted = try await repo.grace.waitFor(
            ["component.restarted", "by=root", "component=healer", "reason=silent for"], after: silent.index)
        _ = try await repo.grace.waitFor(["healer.started"], after: restarted.index)
        _ = try await repo.grace.waitFor(["component.recovered", "component=healer"], after: restarted.index)
        let healthy = Self.seconds(since: start)
        // The rebuilt healer reads its own silence from the journal and runs the follow-up, which finds the healer
        // restarted moments ago.
        _ = try await repo.grace.waitFor(
            ["step.succeeded", "healer was restarted", "not again"], after: restarted.index)
        _ = try await repo.grace.waitFor(["run.succeeded", "playbook=restart-healer"], after: restarted.index)
        #expect(
            repo.grace.output.suffix(from: before + 1).filter {
                $0.contains("component.restarted") && $0.contains("component=healer")
            }.count == 1, "restarted once")
        // It still heals: a kernel killed now is healed by the rebuilt healer's triggers.
        let table = try await Self.components([], in: repo)
        #expect(table.contains("healer"), "\(table)")
        print("drill stuck-healer: hang to component.silent \(noticed) s; to recovered \(healthy) s")
        try await repo.shipped.finish()
    }

    @Test("snapshotter stuck: the root restarts it; restart-snapshotter proves snapshots are taken again")
    func stuckSnapshotter() async throws {
        let repo = try await Repository(editing: [("snapshotter: {heartbeat: 30s}", "snapshotter: {heartbeat: 1s}")])
        defer { repo.grace.terminate() }
        _ = try await repo.grace.waitFor(["healer.started"])
        let before = repo.grace.output.count - 1
        let start = ContinuousClock.now
        _ = try await Self.components(["hang", "snapshotter"], in: repo)
        let silent = try await repo.grace.waitFor(["component.silent", "component=snapshotter"], after: before)
        let restarted = try await repo.grace.waitFor(
            ["component.restarted", "by=root", "component=snapshotter"], after: silent.index)
        _ = try await repo.grace.waitFor(["trigger.fired", "trigger=snapshotter-silent"], after: silent.index)
        _ = try await repo.grace.waitFor(["snapshot.created", "kernel=store", "run="], after: restarted.index)
        _ = try await repo.grace.waitFor(["run.succeeded", "playbook=restart-snapshotter"], after: restarted.index)
        _ = try await repo.grace.waitFor(["component.recovered", "component=snapshotter"], after: restarted.index)
        print("drill stuck-snapshotter: hang to restarted and proven \(Self.seconds(since: start)) s")
        try await repo.shipped.finish()
    }

    @Test("an agent task stuck past its timeout: requeued once with the agent restarted, then failed and reported")
    func stuckTask() async throws {
        // A verify command that never finishes in time holds every task in `verifying`.
        let repo = try await Repository(editing: [
            ("  verify: [\"grace validate\"]", "  task_timeout: 3s\n  verify: [\"sleep 60\"]")
        ])
        defer { repo.grace.terminate() }
        _ = try await repo.grace.waitFor(["kernel.ready", "kernel=grace-agent"])
        let before = repo.grace.output.count - 1
        try await repo.shipped.inject("require", into: "api", query: "param=API_REGION&example=eu-1")
        // One call: api rejects it and logs the error line the trigger waits for.
        _ = try? await APIClient.request(
            port: try repo.shipped.port(of: "api"), method: "GET", path: "/call", headers: [:], body: nil)
        let verifying = try await repo.grace.waitFor(["agent.task", "kernel=api", "state=verifying"], after: before)
        let requeued = try await repo.grace.waitFor(
            ["agent.task", "kernel=api", "state=queued", "past agent.task_timeout", "requeued once"],
            after: verifying.index)
        _ = try await repo.grace.waitFor(
            ["kernel.restart_requested", "kernel=grace-agent", "past agent.task_timeout"], after: requeued.index)
        let again = try await repo.grace.waitFor(
            ["agent.task", "kernel=api", "state=verifying"], after: requeued.index)
        _ = try await repo.grace.waitFor(
            ["agent.task", "kernel=api", "state=failed", "past agent.task_timeout", "again"], after: again.index)
        // The step waiting on it fails, and so its run: the operator is told. (The step reads the queue itself, so
        // these may come before the journal's copy of the task's failure.)
        let failedRun = try await repo.grace.waitFor(
            ["run.failed", "playbook=repair-kernel-configuration", "past agent.task_timeout"], after: again.index)
        _ = try await repo.grace.waitFor(["notify", "severity=critical"], after: failedRun.index)
        let show = try await GraceBinary.run(["agent", "show", "1"], in: repo.root)
        #expect(show.stdout.contains("failed"), "\(show.stdout)")
        try await repo.shipped.finish()
    }

    @Test("healer and agent hung together: a deadlock, broken by restarting the healer first, then the agent")
    func deadlock() async throws {
        // The agent beating every 500 ms is silent before the healer (2 s): both are silent together when the
        // root notices the healer, as when neither can repair the other.
        let repo = try await Repository(editing: [("agent: {heartbeat: 10s}", "agent: {heartbeat: 500ms}")])
        defer { repo.grace.terminate() }
        _ = try await repo.grace.waitFor(["kernel.ready", "kernel=grace-agent"])
        _ = try await repo.grace.waitFor(["healer.started"])
        let before = repo.grace.output.count - 1
        let start = ContinuousClock.now
        _ = try await Self.components(["hang", "agent"], in: repo)
        _ = try await Self.components(["hang", "healer"], in: repo)
        _ = try await repo.grace.waitFor(["component.silent", "component=agent"], after: before)
        let deadlock = try await repo.grace.waitFor(["component.deadlock", "members=agent,healer"], after: before)
        let detected = Self.seconds(since: start)
        let healer = try await repo.grace.waitFor(
            ["component.restarted", "component=healer", "reason=deadlock with the agent"], after: deadlock.index)
        let agent = try await repo.grace.waitFor(["component.restarted", "component=agent"], after: healer.index)
        _ = try await repo.grace.waitFor(["kernel.ready", "kernel=grace-agent"], after: agent.index)
        _ = try await repo.grace.waitFor(["component.recovered", "component=healer"], after: deadlock.index)
        _ = try await repo.grace.waitFor(["component.recovered", "component=agent"], after: agent.index)
        let healthy = Self.seconds(since: start)
        _ = try await repo.grace.waitFor(["run.succeeded", "playbook=break-deadlock"], after: deadlock.index)
        let restarts = repo.grace.output.suffix(from: deadlock.index).filter { $0.contains("component.restarted") }
        #expect(restarts.filter { $0.contains("component=healer") }.count == 1, "the healer once: \(restarts)")
        #expect(restarts.filter { $0.contains("component=agent") }.count == 1, "the agent once: \(restarts)")
        let table = try await Self.components([], in: repo)
        #expect(!table.contains("(silent)"), "\(table)")
        print("drill deadlock: hang to component.deadlock \(detected) s; to both recovered \(healthy) s")
        try await repo.shipped.finish()
    }
}
