import Foundation
import GraceDSL
import Interpreter
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Runtime

/// A component that runs until cancelled and counts its runs and rebuilds; its heartbeat can be stalled (`hang`),
/// and a rebuild clears the stall, as the healer's does.
private final class CountingComponent: Component {
    let name: String
    let runs = Atomic<Int>(0)
    let rebuilds = Atomic<Int>(0)
    let stalled = Mutex(false)
    /// When it first beat after its last rebuild: the moment a restart that waits for it could go on.
    let beatAfterRebuild = Mutex<Date?>(nil)

    init(name: String) { self.name = name }

    func run() async throws {
        runs.add(1, ordering: .relaxed)
        await suspendUntilCancelled()
    }

    func heartbeat() async -> Bool {
        guard !stalled.withLock({ $0 }) else { return false }
        if rebuilds.load(ordering: .relaxed) > 0 { beatAfterRebuild.withLock { $0 = $0 ?? Date() } }
        return true
    }

    func prepareRestart() async {
        rebuilds.add(1, ordering: .relaxed)
        beatAfterRebuild.withLock { $0 = nil }
        stalled.withLock { $0 = false }
    }

    func hang() async -> Bool {
        stalled.withLock { $0 = true }
        return true
    }
}

/// A component the root may not restart in-process, as the supervisor (it holds the kernels).
private final class PinnedComponent: Component {
    let name = "supervisor"
    let runs = Atomic<Int>(0)
    var restartable: Bool { false }

    func run() async throws {
        runs.add(1, ordering: .relaxed)
        await suspendUntilCancelled()
    }

    func heartbeat() async -> Bool { true }
}

/// A component that fails at once, every time it starts.
private final class FailingComponent: Component {
    let name: String
    let runs = Atomic<Int>(0)

    init(name: String) { self.name = name }

    struct Broken: Error {}

    func run() async throws {
        runs.add(1, ordering: .relaxed)
        throw Broken()
    }

    func heartbeat() async -> Bool { true }
}

/// Grace's root over test components, on the real clock with short heartbeats; every wait is for a journal entry or
/// a state, never a fixed time.
private struct Tree {
    let journal: Journal
    let registry = ComponentRegistry()
    let tree: ComponentTree
    let clock = RuntimeClock.continuous()
    var tasks: [Task<Void, Never>] = []

    init(limits: GraceSettings.Supervision = GraceSettings.Supervision()) throws {
        journal = Journal(
            store: try StateStore.inMemoryForTesting(), hub: ObservationHub(), logger: Logger(label: "test"))
        tree = ComponentTree(
            registry: registry, journal: journal, clock: clock, limits: limits, logger: Logger(label: "test"))
    }

    mutating func run(_ component: any Component, every interval: Duration = .milliseconds(100)) {
        let service = ComponentService(
            component, registry: registry, heartbeatInterval: interval, clock: clock, logger: Logger(label: "test"),
            tree: tree)
        tasks.append(Task { try? await service.run() })
    }

    mutating func watch() {
        let watch = ComponentSilenceWatch(
            registry: registry, journal: journal, clock: clock, tick: .milliseconds(20), tree: tree)
        tasks.append(Task { await watch.run() })
    }

    func stop() { tasks.forEach { $0.cancel() } }

    /// The journal's entries of `kind`, oldest first.
    func entries(_ kind: JournalKind) -> [JournalEntry] {
        (try? journal.store.events(after: 0, limit: 10_000, kinds: [kind.rawValue])) ?? []
    }

    /// Waits until the current run of `name` has beaten, and checks it is its `incarnation`th.
    func running(_ name: String, incarnation: Int = 1) async throws {
        let tree = tree
        let beat = try await require("\(name) beating") { await tree.firstBeat(of: name, within: TestWait.standard) }
        #expect(beat, "\(name) gave no heartbeat")
        #expect(await tree.incarnation(of: name) == incarnation)
    }

    /// Waits until the journal holds an entry of `kind` for which `matching` holds, and returns it.
    func entry(
        _ kind: JournalKind, _ what: String, matching: @escaping @Sendable (JournalEntry) -> Bool = { _ in true }
    )
        async throws -> JournalEntry
    {
        let journal = journal
        return try await require(what) { await journal.waitForEntry { $0.kind == kind.rawValue && matching($0) } }
    }
}

@Suite("Grace's root supervision tree", .timeLimit(.minutes(2)))
struct ComponentTreeTests {
    @Test("an order restarts a component: its run cancelled, its state rebuilt, run again, journaled")
    func restartOrder() async throws {
        var fixture = try Tree()
        let snapshotter = CountingComponent(name: "snapshotter")
        // Long enough that "moments ago" holds however slow a loaded machine is between the two asks.
        fixture.run(snapshotter, every: .seconds(20))
        defer { fixture.stop() }
        try await fixture.running("snapshotter")

        let result = await fixture.tree.restart("snapshotter", reason: "test", by: "operator", force: true)
        guard case .restarted(let incarnation, _) = result else {
            Issue.record("not restarted: \(result)")
            return
        }
        #expect(incarnation == 2)
        #expect(snapshotter.rebuilds.load(ordering: .relaxed) == 1)
        try await fixture.running("snapshotter", incarnation: 2)
        #expect(snapshotter.runs.load(ordering: .relaxed) == 2)
        let entry = try #require(fixture.entries(.componentRestarted).last)
        #expect(entry.fields["component"] == "snapshotter")
        #expect(entry.fields["by"] == "operator")
        #expect(entry.fields["incarnation"] == "2")
        #expect(fixture.registry.status(of: "snapshotter")?.restarts == 1)

        // Asked again at once (a playbook after the root): left alone.
        guard case .recent = await fixture.tree.restart("snapshotter", reason: "again", by: "run 1") else {
            Issue.record("restarted twice in a row")
            return
        }
        #expect(snapshotter.runs.load(ordering: .relaxed) == 2)
    }

    @Test("the supervisor is not restarted in-process: refused, with re-executing named as the way")
    func pinned() async throws {
        var fixture = try Tree()
        let supervisor = PinnedComponent()
        fixture.run(supervisor)
        defer { fixture.stop() }
        try await fixture.running("supervisor")
        #expect(await fixture.tree.refusal(for: "supervisor")?.contains("grace reexec") == true)
        #expect(await fixture.tree.refusal(for: "nothing")?.contains("no component") == true)
        guard case .refused = await fixture.tree.restart("supervisor", reason: "test", by: "operator", force: true)
        else {
            Issue.record("the supervisor was restarted in-process")
            return
        }
        #expect(supervisor.runs.load(ordering: .relaxed) == 1)
    }

    @Test("a silent component is restarted by the root and beats again")
    func silenceRestarts() async throws {
        var fixture = try Tree()
        let healer = CountingComponent(name: "healer")
        fixture.run(healer, every: .milliseconds(300))
        fixture.watch()
        defer { fixture.stop() }
        try await fixture.running("healer")

        // On a loaded machine a beat can come late before the hang (silent, then recovered at once): only what
        // follows the hang counts, and the hang waits until such a silence has ended (a component still silent
        // when it hangs is not journaled silent again, so the wait below would never end).
        if let silence = fixture.entries(.componentSilent).last,
            !fixture.entries(.componentRecovered).contains(where: { $0.id > silence.id })
        {
            _ = try await fixture.entry(.componentRecovered, "healer beating before the hang") { $0.id > silence.id }
        }
        let before = (try? fixture.journal.store.events(after: 0, limit: 10_000))?.last?.id ?? 0
        let runsBefore = healer.runs.load(ordering: .relaxed)
        #expect(await fixture.tree.hang("healer"))
        let silent = try await fixture.entry(.componentSilent, "healer silent") { $0.id > before }
        let restarted = try await fixture.entry(.componentRestarted, "healer restarted by the root") {
            $0.id > silent.id
        }
        #expect(restarted.fields["by"] == "root")
        #expect(restarted.fields["reason"]?.hasPrefix("silent for") == true)
        let recovered = try await fixture.entry(.componentRecovered, "healer beating again") { $0.id > restarted.id }
        #expect(recovered.id > restarted.id)
        #expect(healer.runs.load(ordering: .relaxed) > runsBefore)
    }

    @Test("a component that fails on every start escalates up the tree and stops at the operator: no ping-pong")
    func noPingPong() async throws {
        var limits = GraceSettings.Supervision()
        limits.component = Kernel.Intensity(max: 2, within: .seconds(3600))
        limits.rebuild = Kernel.Intensity(max: 1, within: .seconds(3600))
        var fixture = try Tree(limits: limits)
        let broken = FailingComponent(name: "snapshotter")
        let sibling = CountingComponent(name: "api")
        fixture.run(sibling)
        fixture.run(broken)
        defer { fixture.stop() }

        _ = try await fixture.entry(.componentEscalated, "escalated to the operator") { $0.fields["to"] == "operator" }
        let escalations = fixture.entries(.componentEscalated)
        #expect(escalations.map { $0.fields["to"] ?? "" } == ["rebuild", "operator"], "upward, one level at a time")
        #expect(escalations.allSatisfy { $0.fields["component"] == "snapshotter" })
        // 3 runs (two restarts) -> rebuild (its count starts afresh) -> 3 more -> no rebuild left, no reexec here.
        #expect(broken.runs.load(ordering: .relaxed) == 6)
        #expect(await fixture.tree.hasGivenUp("snapshotter"))
        #expect(fixture.registry.status(of: "snapshotter")?.state == .failed)
        // The rebuild restarted the healthy sibling once; the root is alive and still answers.
        #expect(sibling.runs.load(ordering: .relaxed) == 2)
        guard case .refused = await fixture.tree.restart("snapshotter", reason: "a playbook", by: "run 9") else {
            Issue.record("a playbook revived a component the root gave up on")
            return
        }
        #expect(broken.runs.load(ordering: .relaxed) == 6, "no restart after the operator level")

        // An operator's restart starts it again (and it fails again, counted afresh).
        _ = await fixture.tree.restart("snapshotter", reason: "operator", by: "operator", force: true)
        // Its 7th run fails at once: the root restarts it (its 8th), the operator's restart having cleared its count.
        _ = try await fixture.entry(.componentRestarted, "the operator's restart ran it, and the root restarted it") {
            $0.fields["component"] == "snapshotter" && $0.fields["incarnation"] == "8"
        }
        #expect(broken.runs.load(ordering: .relaxed) >= 7)
    }

    @Test("healer and agent silent together: a deadlock, broken by restarting the healer first, then the agent")
    func deadlock() async throws {
        var fixture = try Tree()
        let healer = CountingComponent(name: "healer")
        let agent = CountingComponent(name: "agent")
        // Heartbeats long enough for a loaded machine.
        fixture.run(healer, every: .milliseconds(500))
        fixture.run(agent, every: .milliseconds(300))
        fixture.watch()
        defer { fixture.stop() }
        try await fixture.running("healer")
        try await fixture.running("agent")

        // The agent silent first, then the healer. Hanging both at once left the order to the heartbeats' timing:
        // on a loaded CI machine the agent's last beat was seen late, the healer fell silent first and was restarted
        // as any silent child (rightly: the agent was not silent yet), before any deadlock.
        #expect(await fixture.tree.hang("agent"))
        _ = try await fixture.entry(.componentSilent, "agent silent") { $0.fields["component"] == "agent" }
        #expect(fixture.entries(.componentRestarted).isEmpty, "the agent's silence alone is the healer's to repair")
        #expect(await fixture.tree.hang("healer"))
        let deadlock = try await fixture.entry(.componentDeadlock, "deadlock detected")
        #expect(deadlock.fields["members"] == "agent,healer")
        let agentRestart = try await fixture.entry(.componentRestarted, "agent restarted") {
            $0.fields["component"] == "agent"
        }
        let healerRestart = try #require(
            fixture.entries(.componentRestarted).first { $0.fields["component"] == "healer" })
        #expect(healerRestart.id > deadlock.id)
        #expect(agentRestart.id > healerRestart.id, "the healer first")
        #expect(agentRestart.time.timeIntervalSince(healerRestart.time) >= 0.05, "staggered: the healer beat, jitter")
        _ = try await fixture.entry(.componentRecovered, "the healer beats again") {
            $0.fields["component"] == "healer"
        }
        // Against the healer's own first beat, not the watch's `component.recovered`, which the watch journals on its
        // next tick, and a loaded machine may delay that tick past the jittered pause.
        let healerBeat = try #require(healer.beatAfterRebuild.withLock { $0 })
        #expect(healerBeat <= agentRestart.time, "the agent once the healer beats again")
        #expect(fixture.entries(.componentRestarted).count == 2, "each once")
    }
}
