import Foundation
import GraceDSL
import Interpreter
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Runtime

/// A component whose heartbeat the test can stall: while stalled it answers `false`, as a component whose
/// executor is stuck gives no beat.
private final class StallableComponent: Component {
    let name: String
    let stalled = Mutex(false)

    init(name: String) { self.name = name }

    func run() async throws {
        // Until the test cancels the service.
        await suspendUntilCancelled()
    }

    func heartbeat() async -> Bool { !stalled.withLock { $0 } }
}

@Suite("Component silence")
struct ComponentSilenceTests {
    private static func status(_ name: String, beats: Int, state: ComponentState = .running) -> ComponentStatus {
        ComponentStatus(name: name, state: state, since: Date(), heartbeatInterval: .seconds(2), beats: beats)
    }

    @Test("a running component without a beat for three intervals is silent once, and recovers at its next beat")
    func stateMachine() {
        var silence = ComponentSilence()
        #expect(silence.observe([Self.status("healer", beats: 1)], at: .seconds(10)).isEmpty)
        #expect(silence.observe([Self.status("healer", beats: 1)], at: .seconds(15)).isEmpty)
        #expect(
            silence.observe([Self.status("healer", beats: 1)], at: .seconds(16))
                == [.componentSilent(component: "healer", period: .seconds(2), silent: .seconds(6))])
        #expect(silence.silent == ["healer"])
        #expect(silence.observe([Self.status("healer", beats: 1)], at: .seconds(30)).isEmpty, "once per silence")
        #expect(
            silence.observe([Self.status("healer", beats: 2)], at: .seconds(31))
                == [.componentRecovered(component: "healer", period: .seconds(2), silent: .seconds(21))])
        #expect(silence.silent.isEmpty)
        #expect(silence.observe([Self.status("healer", beats: 3)], at: .seconds(33)).isEmpty)
    }

    @Test("a component that is not running is never silent, and is forgotten when it stops running")
    func onlyRunning() {
        var silence = ComponentSilence()
        #expect(silence.observe([Self.status("api", beats: 0, state: .idle)], at: .zero).isEmpty)
        #expect(silence.observe([Self.status("api", beats: 0, state: .idle)], at: .seconds(60)).isEmpty)
        #expect(silence.observe([Self.status("api", beats: 0)], at: .seconds(60)).isEmpty)
        #expect(silence.observe([Self.status("api", beats: 0)], at: .seconds(66)).count == 1)
        #expect(silence.observe([Self.status("api", beats: 0, state: .stopping)], at: .seconds(67)).isEmpty)
        #expect(silence.silent.isEmpty)
    }

    @Test("a component restarted while silent recovers at the new run's first beat")
    func recoversAfterRestart() {
        var silence = ComponentSilence()
        _ = silence.observe([Self.status("healer", beats: 4)], at: .zero)
        #expect(silence.observe([Self.status("healer", beats: 4)], at: .seconds(6)).count == 1)
        // The root restarts it: not running for a moment, then running with a fresh count.
        #expect(silence.observe([Self.status("healer", beats: 4, state: .starting)], at: .seconds(7)).isEmpty)
        #expect(silence.silent.isEmpty, "not running: not judged")
        #expect(silence.observe([Self.status("healer", beats: 0)], at: .seconds(8)).isEmpty)
        #expect(silence.silent == ["healer"], "still silent until it beats")
        #expect(
            silence.observe([Self.status("healer", beats: 1)], at: .seconds(9))
                == [.componentRecovered(component: "healer", period: .seconds(2), silent: .seconds(9))])
        #expect(silence.silent.isEmpty)
    }

    @Test("the watch journals component.silent when a component's heartbeat stalls, component.recovered when it beats")
    func watchJournals() async throws {
        let clock = ManualClock()
        let runtimeClock = RuntimeClock(clock)
        let journal = Journal(
            store: try StateStore.inMemoryForTesting(), hub: ObservationHub(), logger: Logger(label: "test"))
        let registry = ComponentRegistry()
        let component = StallableComponent(name: "healer")
        let service = ComponentService(
            component, registry: registry, heartbeatInterval: .seconds(1), clock: runtimeClock,
            logger: Logger(label: "test"))
        let watch = ComponentSilenceWatch(
            registry: registry, journal: journal, clock: runtimeClock, tick: .milliseconds(500))
        let serviceTask = Task { try await service.run() }
        let watchTask = Task { await watch.run() }
        defer {
            serviceTask.cancel()
            watchTask.cancel()
        }
        // The heartbeat loop after its first beat, and the watch.
        try await clock.waitForSleepers(2)
        try #require(registry.status(of: "healer")?.beats == 1)
        component.stalled.withLock { $0 = true }

        func step() async throws {
            clock.advance(by: .milliseconds(500))
            try await clock.waitForSleepers(2)
        }
        func silentEntry() throws -> JournalEntry? {
            try journal.store.lastEntry(kind: JournalKind.componentSilent.rawValue)
        }
        for _ in 0..<5 { try await step() }
        #expect(try silentEntry() == nil, "2.5 s without a beat is not yet three intervals")
        for _ in 0..<3 { try await step() }
        let silent = try #require(try silentEntry(), "silent after 4 s")
        guard case .componentSilent(let name, let period, let quiet) = silent.event else {
            Issue.record("not a component.silent: \(silent.event)")
            return
        }
        #expect(name == "healer")
        #expect(period == .seconds(1))
        #expect(quiet >= .seconds(3) && quiet <= .seconds(4))
        #expect(registry.status(of: "healer")?.silentSince != nil, "marked silent for /v1/components")

        component.stalled.withLock { $0 = false }
        // The next beat comes at the heartbeat loop's next wake (at most an interval later), and the watch sees it
        // at its next tick.
        func recoveredEntry() throws -> JournalEntry? {
            try journal.store.lastEntry(kind: JournalKind.componentRecovered.rawValue)
        }
        for _ in 0..<4 where try recoveredEntry() == nil { try await step() }
        let recovered = try #require(try recoveredEntry(), "recovered within 2 s of beating again")
        #expect(recovered.id > silent.id)
        #expect(recovered.fields["component"] == "healer")
        #expect(registry.status(of: "healer")?.silentSince == nil)
    }
}

@Suite("The agent component's heartbeat")
struct AgentComponentHeartbeatTests {
    private static func liaison(processInterval: Duration?, enabled: Bool) throws -> (AgentLiaison, AgentTaskStore) {
        let harness = try SupervisorTests.harness(SupervisorTests.kernel("idle", "sleep 1"))
        let store = try AgentTaskStore(stateDirectory: harness.directory)
        let liaison = AgentLiaison(
            store: store, journal: harness.journal, supervisor: harness.supervisor, git: nil, configurationPaths: [],
            clock: .continuous(), knownGoodWindow: .seconds(30), processInterval: processInterval,
            agentEnabled: enabled)
        return (liaison, store)
    }

    @Test("beats only while the agent process's recorded heartbeat is younger than three intervals")
    func followsTheProcess() async throws {
        let (liaison, store) = try Self.liaison(processInterval: .seconds(10), enabled: true)
        #expect(await liaison.heartbeat() == false, "no process heartbeat yet")
        try store.recordHeartbeat(at: Date().addingTimeInterval(-45))
        #expect(await liaison.heartbeat() == false, "a stopped or dead agent process")
        try store.recordHeartbeat(at: Date())
        #expect(await liaison.heartbeat() == true)
    }

    @Test("beats without an agent process to follow: the agent disabled, or no process run by this Grace")
    func withoutProcess() async throws {
        let (disabled, _) = try Self.liaison(processInterval: .seconds(10), enabled: false)
        #expect(await disabled.heartbeat() == true)
        let (noProcess, _) = try Self.liaison(processInterval: nil, enabled: true)
        #expect(await noProcess.heartbeat() == true)
    }
}

@Suite("Component silence reaches the healer")
struct ComponentSilenceHealingTests {
    @Test("the healer sees component.silent and component.recovered as events for its triggers")
    func observedEvents() {
        #expect(
            ObservedEvents.events(
                from: JournalEvent.componentSilent(component: "healer", period: .seconds(2), silent: .seconds(6)))
                == [.componentSilent(name: "healer", silentFor: .seconds(6))])
        #expect(
            ObservedEvents.events(
                from: JournalEvent.componentRecovered(component: "healer", period: .seconds(2), silent: .seconds(9)))
                == [.componentRecovered(name: "healer")])
    }

    @Test("silence and deadlock of Grace's components are run by this build: not refused, not disabled")
    func supported() throws {
        let yaml = """
            kind: playbook
            name: note
            steps: [{notify: "x"}]
            ---
            kind: trigger
            name: healer-silent
            when: {silence: healer, within: 6s}
            run: note
            ---
            kind: trigger
            name: stuck-together
            when: {deadlock: [healer, agent], for: 10s}
            run: note
            """
        let result = Compiler(options: CompilerOptions(checkExecutables: false))
            .compile([SourceFile(path: "t.yaml", text: yaml)])
        let graph = try #require(result.graph, "\(result.diagnostics.map(\.message))")
        #expect(RuntimeSupport.unsupported(in: graph).isEmpty)
        #expect(RuntimeSupport.unobservableTriggers(in: graph).isEmpty)
    }
}
