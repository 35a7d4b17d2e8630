import Foundation
import GraceDSL
import Interpreter
import Logging
import TestSupport
import Testing

@testable import Runtime

/// The supervisor's parts, each alone: pure ones by hand, timed ones on a manual clock.
@Suite("Supervision parts", .timeLimit(.minutes(5)))
struct SupervisionPartsTests {
    static func graph(_ yaml: String) throws -> ExecutionGraph {
        let result = Compiler(options: CompilerOptions(checkExecutables: false))
            .compile([SourceFile(path: "test.yaml", text: yaml)])
        return try #require(result.graph, "\(result.diagnostics.map(\.message))")
    }

    @Test("health: failures count only once ready, N in a row make it unhealthy, one pass heals, each change once")
    func healthTracker() {
        var health = HealthTracker(threshold: 2)
        #expect(health.record(.unhealthy("refused"), starting: true) == nil, "still starting: not failing")
        #expect(health.consecutiveFailures == 0)
        #expect(health.record(.unhealthy("refused"), starting: false) == nil)
        #expect(
            health.record(.unhealthy("refused"), starting: false) == .becameUnhealthy(reason: "refused", failures: 2))
        #expect(health.record(.unhealthy("refused"), starting: false) == nil, "reported once")
        #expect(health.record(.healthy, starting: false) == .becameHealthy)
        #expect(health.record(.healthy, starting: false) == nil)
        health.reset()
        #expect(health.healthy == nil)
        #expect(health.record(.healthy, starting: true) == .becameHealthy, "a pass counts while starting")
    }

    @Test("the watchdog fires once when a beat is late, and beats push the deadline")
    func watchdog() async throws {
        let manual = ManualClock()
        let clock = RuntimeClock(manual)
        let fired = Counter()
        let timer = WatchdogTimer(interval: .seconds(1), clock: clock) { await fired.increment() }
        try await manual.waitForSleepers()
        manual.advance(by: .milliseconds(800))
        timer.beat()  // due at 1.8 s now
        manual.advance(by: .milliseconds(500))  // 1.3 s: the first deadline passed, but a beat moved it
        try await manual.waitForSleepers()
        #expect(await fired.value == 0)
        manual.advance(by: .milliseconds(600))  // 1.9 s
        try await require("the watchdog to fire") { await fired.waitFor(1) }
        #expect(timer.hasFired)
        timer.beat()  // too late: nothing re-arms
        manual.advance(by: .seconds(5))
        #expect(await fired.value == 1)
    }

    @Test("a cancelled watchdog never fires")
    func watchdogCancelled() async throws {
        let manual = ManualClock()
        let fired = Counter()
        let timer = WatchdogTimer(interval: .seconds(1), clock: RuntimeClock(manual)) { await fired.increment() }
        try await manual.waitForSleepers()
        timer.cancel()
        // Cancelling the timer's task ends its sleep at once: nothing is left to wake when time passes.
        #expect(manual.sleeperCount == 0)
        manual.advance(by: .seconds(10))
        await Task.yield()
        #expect(await fired.value == 0)
    }

    @Test("a reload stops changed and removed kernels dependents first, and starts new ones dependencies first")
    func reloadPlan() throws {
        let old = try Self.graph(
            """
            kind: kernel
            name: store
            command: [/bin/true]
            ---
            kind: kernel
            name: api
            command: [/bin/true]
            depends_on: [store]
            ---
            kind: kernel
            name: gone
            command: [/bin/true]
            """)
        let new = try Self.graph(
            """
            kind: kernel
            name: store
            command: [/bin/true, changed]
            ---
            kind: kernel
            name: api
            command: [/bin/true]
            depends_on: [store]
            ---
            kind: kernel
            name: extra
            command: [/bin/true]
            depends_on: [api]
            """)
        let plan = ReloadPlan(from: old, to: new, supervised: ["store", "api", "gone"])
        #expect(plan.stops == ["gone", "store"])
        #expect(
            plan.starts == [
                .init(kernel: "store", dependencies: []), .init(kernel: "extra", dependencies: ["api"]),
            ])
        #expect(plan.diff.kernelsToRestart == ["store"])
        let unchanged = ReloadPlan(from: old, to: old, supervised: ["store", "api", "gone"])
        #expect(unchanged.stops.isEmpty && unchanged.starts.isEmpty)
    }

    @Test("a slow observer loses log lines, never journal entries")
    func observationBackpressure() async throws {
        let hub = ObservationHub()
        let stream = hub.subscribe(buffer: 3)
        let store = try StateStore.inMemoryForTesting()
        let journal = Journal(store: store, hub: hub, logger: Logger(label: "test"))
        for i in 0..<10 {
            hub.publish(.log(LogLine(kernel: "k", stream: .stdout, text: "line \(i)", time: Date())))
            if i % 3 == 0 { journal.append(.kernelHealthy(kernel: "k")) }
        }
        hub.finish()
        var journaled = 0
        var lines: [String] = []
        for await observation in stream {
            switch observation {
            case .journal: journaled += 1
            case .log(let line): lines.append(line.text)
            default: break
            }
        }
        #expect(journaled == 4)
        #expect(lines == ["line 7", "line 8", "line 9"], "the newest lines are kept")
        #expect(stream.dropped == 7)
    }

    @Test("the journal publishes in id order and wakes those waiting, also for an entry just before they wait")
    func journalWaits() async throws {
        let store = try StateStore.inMemoryForTesting()
        let journal = Journal(store: store, hub: ObservationHub(), logger: Logger(label: "test"))
        let first = try #require(journal.append(.kernelStarted(kernel: "a", pid: 1)))
        let early = try await journal.requireEntry(kind: .kernelStarted, kernel: "a")
        #expect(early.id == first.id)
        async let later = journal.requireEntry(kind: .kernelReady, kernel: "a", after: first.id)
        journal.append([.kernelReady(kernel: "b", pid: 2), .kernelReady(kernel: "a", pid: 1)])
        let entry = try await later
        #expect(entry.event == .kernelReady(kernel: "a", pid: 1))
        #expect(entry.id == first.id + 2)
    }

    @Test("a process spec resolves users, limits by name, Grace's variables and the data directories")
    func processSpec() throws {
        struct Users: UserDirectory {
            func user(named name: String) -> (uid: UInt32, gid: UInt32)? { name == "svc" ? (1001, 1002) : nil }
            func group(named name: String) -> UInt32? { name == "web" ? 2000 : nil }
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("grace-spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let graph = try Self.graph(
            """
            kind: kernel
            name: api
            command: [/bin/sh, -c, "exit 0"]
            user: svc
            group: web
            env: {MODE: test, NOTIFY_SOCKET: ignored}
            limits: {nofile: 1024, nproc: 64}
            data: [var/api]
            """)
        let kernel = try #require(graph.kernel("api"))
        let builder = ProcessSpecBuilder(
            root: root.path, stateDirectory: "/state", locator: ExecutableLocator(root: root.path, toolDirectories: []),
            users: Users(),
            baseEnvironment: [
                "PATH": "/bin", "NOTIFY_SOCKET": "/inherited", "WATCHDOG_USEC": "1", "WATCHDOG_PID": "1",
            ])
        let spec = try builder.spec(for: kernel)
        #expect(spec.executable == "/bin/sh")
        #expect(spec.userID == 1001)
        #expect(spec.groupID == 2000, "group: overrides the user's primary group")
        #expect(spec.limits == [.nofile: 1024, .nproc: 64])
        #expect(ResourceLimit.nofile.resource == 7)
        #expect(spec.environment["MODE"] == "test")
        #expect(spec.environment["WATCHDOG_USEC"] == nil, "Grace's own sd_notify variables are not inherited")
        #expect(spec.environment["WATCHDOG_PID"] == nil, "else a kernel's sd_watchdog_enabled() would say no")
        #expect(spec.environment["GRACE_KERNEL"] == "api")
        #expect(spec.environment["GRACE_STATE_DIR"] == "/state")
        #expect(spec.workingDirectory == root.path)
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("var/api").path))
        var unknown = kernel
        unknown.user = "nobody-here"
        #expect(throws: SpawnError.self) { try builder.spec(for: unknown) }
    }
}

/// A count that tests wait on.
actor Counter {
    private(set) var value = 0
    private var waiters: [(Int, CheckedContinuation<Void, Never>)] = []

    func increment() {
        value += 1
        let ready = waiters.filter { $0.0 <= value }
        waiters.removeAll { $0.0 <= value }
        ready.forEach { $0.1.resume() }
    }

    func waitFor(_ count: Int) async {
        if value >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }
}
