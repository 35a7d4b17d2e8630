import Foundation
import GraceDSL
import Interpreter
import Logging
import Testing

@testable import Runtime

/// The supervisor against real processes (shell kernels). Every wait is on a journal event, never a sleep.
@Suite("Supervisor with real processes", .timeLimit(.minutes(5)))
struct SupervisorTests {
    struct Harness {
        let graph: ExecutionGraph
        let supervisor: Supervisor
        let environment: RuntimeEnvironment
        let directory: URL

        var store: StateStore { environment.store }
        var journal: Journal { environment.journal }
        var reactor: IOReactor { environment.reactor }
    }

    /// One reaper for every test of this process: it reaps only the children it is told of, because the test
    /// runner also runs Foundation `Process`es.
    static let reaper: ChildReaper = {
        let reaper = ChildReaper()
        reaper.start(mode: .registeredOnly)
        return reaper
    }()

    /// One reactor for every test of this process, as one Grace has one.
    static let reactor: IOReactor = {
        do {
            return try IOReactor(name: "test-io")
        } catch {
            fatalError("the test process cannot make an epoll reactor: \(error)")
        }
    }()

    static func environment(directory: URL) throws -> RuntimeEnvironment {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let store = try StateStore(path: directory.appendingPathComponent("grace.sqlite").path)
        return RuntimeEnvironment(store: store, reaper: reaper, reactor: reactor, cgroups: nil, logger: logger)
    }

    static func harness(_ yaml: String, metrics: Duration = .seconds(60)) throws -> Harness {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grace-sup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let result = Compiler(options: CompilerOptions(checkExecutables: false))
            .compile([SourceFile(path: "test.yaml", text: yaml)])
        guard let graph = result.graph else {
            throw TestFailure(message: result.diagnostics.map(\.message).joined(separator: "; "))
        }
        let environment = try environment(directory: dir)
        var configuration = Supervisor.Configuration(
            root: dir.path, stateDirectory: dir, locator: ExecutableLocator(root: dir.path, toolDirectories: []))
        configuration.metricsInterval = metrics
        return Harness(
            graph: graph, supervisor: Supervisor(graph: graph, configuration: configuration, environment: environment),
            environment: environment, directory: dir)
    }

    struct TestFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func kernel(_ name: String, _ script: String, extra: String = "") -> String {
        """
        kind: kernel
        name: \(name)
        command: [/bin/sh, -c, "\(script)"]
        \(extra)
        """
    }

    @Test("a SIGKILLed kernel is restarted at once, and both lives are in the journal")
    func killedKernelRestarts() async throws {
        let h = try Self.harness(Self.kernel("sleeper", "exec sleep 1000"))
        await h.supervisor.boot()
        let started = try await h.supervisor.journal.requireEntry(kind: .kernelStarted, kernel: "sleeper")
        let pid = try #require(Int32(started.fields["pid"] ?? ""))
        kill(pid, SIGKILL)
        let exited = try await h.supervisor.journal.requireEntry(
            kind: .kernelExited, kernel: "sleeper", after: started.id)
        #expect(exited.fields["signal"] == "SIGKILL")
        let again = try await h.supervisor.journal.requireEntry(
            kind: .kernelStarted, kernel: "sleeper", after: exited.id)
        #expect(again.fields["pid"] != started.fields["pid"])
        let restarting = try h.store.events(after: exited.id, kinds: ["kernel.restarting"])
        #expect(restarting.first?.fields["delay_ms"] == "0", "the first failure after a stable run restarts at once")
        await h.supervisor.shutdown()
        #expect(try h.store.verify() == .intact(entries: try h.store.count()))
    }

    @Test("a crash loop backs off, then breaches the intensity limit and gives up")
    func crashLoop() async throws {
        let yaml = Self.kernel(
            "crasher", "exit 3",
            extra:
                "restart: {policy: always, backoff: {initial: 20ms, max: 80ms, jitter: 0%}, intensity: {max: 4, within: 1m}}"
        )
        let h = try Self.harness(yaml)
        await h.supervisor.boot()
        let gaveUp = try await h.supervisor.journal.requireEntry(kind: .kernelGaveUp, kernel: "crasher")
        let delays = try h.store.events(limit: 100, kernel: "crasher", kinds: ["kernel.restarting"])
            .compactMap { Int($0.fields["delay_ms"] ?? "") }
        #expect(delays == [0, 20, 40, 80], "immediate, then doubling up to the cap")
        #expect(gaveUp.fields["reason"]?.contains("4 restarts") == true)
        let exits = try h.store.events(limit: 100, kernel: "crasher", kinds: ["kernel.exited"])
        #expect(exits.count == 5)
        #expect(exits.allSatisfy { $0.fields["code"] == "3" })
        let history = try h.store.restarts(kernel: "crasher")
        #expect(history.count == 4)
        await h.supervisor.shutdown()
    }

    @Test("a hung kernel that stops sending WATCHDOG=1 is caught, killed and restarted")
    func watchdog() async throws {
        // READY=1 and one heartbeat through the real systemd-notify, then silence.
        let yaml = Self.kernel(
            "hung", "systemd-notify --ready; systemd-notify WATCHDOG=1; exec sleep 1000",
            extra: "ready: notify\nwatchdog: 300ms")
        let h = try Self.harness(yaml)
        await h.supervisor.boot()
        let ready = try await h.supervisor.journal.requireEntry(kind: .kernelReady, kernel: "hung")
        let timeout = try await h.supervisor.journal.requireEntry(
            kind: .kernelWatchdogTimeout, kernel: "hung", after: ready.id)
        let exited = try await h.supervisor.journal.requireEntry(kind: .kernelExited, kernel: "hung", after: timeout.id)
        #expect(exited.fields["signal"] == "SIGKILL")
        _ = try await h.supervisor.journal.requireEntry(kind: .kernelStarted, kernel: "hung", after: exited.id)
        await h.supervisor.shutdown()
    }

    @Test("a paused kernel's watchdog is held, and starts over when it is resumed")
    func watchdogHeldWhilePaused() async throws {
        // `quiet` beats every 200 ms while the file `beat` exists, then stops beating. `clock` exits 5 s after it
        // starts: the time that passes while `quiet` is paused, more than its watchdog interval.
        let yaml =
            Self.kernel(
                "quiet",
                "systemd-notify --ready; while [ -e beat ]; do systemd-notify WATCHDOG=1; sleep 0.2; done; exec sleep 1000",
                extra: "ready: notify\nwatchdog: 3s")
            + "\n---\n" + Self.kernel("clock", "sleep 5", extra: "depends_on: [quiet]\nrestart: {policy: never}")
        let h = try Self.harness(yaml)
        let beat = h.directory.appendingPathComponent("beat")
        FileManager.default.createFile(atPath: beat.path, contents: nil)
        await h.supervisor.boot()
        let ready = try await h.supervisor.journal.requireEntry(kind: .kernelReady, kernel: "quiet")
        #expect(await h.supervisor.pause("quiet", reason: "test"))
        let paused = try await h.supervisor.journal.requireEntry(kind: .kernelPaused, kernel: "quiet", after: ready.id)
        // Paused, it could not see the file go: it stops beating only once it is resumed.
        try FileManager.default.removeItem(at: beat)
        let elapsed = try await h.supervisor.journal.requireEntry(kind: .kernelExited, kernel: "clock")
        #expect(elapsed.id > paused.id)
        let timeouts = try h.store.events(limit: 10, kernel: "quiet", kinds: ["kernel.watchdog_timeout"])
        #expect(timeouts.isEmpty, "held while paused: \(timeouts)")
        #expect(try h.store.events(limit: 10, kernel: "quiet", kinds: ["kernel.exited"]).isEmpty)
        #expect(await h.supervisor.resume("quiet", reason: "test"))
        let resumed = try await h.supervisor.journal.requireEntry(
            kind: .kernelResumed, kernel: "quiet", after: paused.id)
        // Resumed and silent now: its watchdog catches it again.
        let timeout = try await h.supervisor.journal.requireEntry(
            kind: .kernelWatchdogTimeout, kernel: "quiet", after: resumed.id)
        _ = try await h.supervisor.journal.requireEntry(kind: .kernelExited, kernel: "quiet", after: timeout.id)
        await h.supervisor.shutdown()
    }

    @Test("`systemd-notify --ready` from a shell kernel makes it ready; dependents wait for it")
    func notifyReadiness() async throws {
        let yaml =
            Self.kernel(
                "db", "sleep 0.2; systemd-notify --ready --status=serving; exec sleep 1000", extra: "ready: notify")
            + "\n---\n" + Self.kernel("app", "exec sleep 1000", extra: "depends_on: [db]")
        let h = try Self.harness(yaml)
        await h.supervisor.boot()
        let ready = try await h.supervisor.journal.requireEntry(kind: .kernelReady, kernel: "db")
        let status = try h.store.events(kernel: "db", kinds: ["kernel.status"])
        #expect(status.first?.fields["status"] == "serving")
        let app = try await h.supervisor.journal.requireEntry(kind: .kernelStarted, kernel: "app")
        #expect(app.id > ready.id, "app starts only after db is ready")
        await h.supervisor.shutdown()
    }

    @Test("a failing health probe is an event")
    func failingProbe() async throws {
        let yaml = Self.kernel(
            "web", "exec sleep 1000", extra: "health: {tcp: \"127.0.0.1:1\", every: 100ms, timeout: 100ms, failures: 2}"
        )
        let h = try Self.harness(yaml)
        await h.supervisor.boot()
        let unhealthy = try await h.supervisor.journal.requireEntry(kind: .kernelUnhealthy, kernel: "web")
        #expect(unhealthy.fields["failures"] == "2")
        #expect(unhealthy.fields["reason"]?.isEmpty == false)
        await h.supervisor.shutdown()
    }

    @Test("probe failures while a kernel is still starting are not unhealthy; after it is ready they are")
    func probesWaitForReadiness() async throws {
        // Ready by notify only after a while, and the probed port never listens: every probe fails.
        let yaml = Self.kernel(
            "slow", "sleep 0.5; systemd-notify --ready; exec sleep 1000",
            extra: "ready: notify\nhealth: {tcp: \"127.0.0.1:1\", every: 50ms, timeout: 50ms, failures: 1}")
        let h = try Self.harness(yaml)
        await h.supervisor.boot()
        let unhealthy = try await h.supervisor.journal.requireEntry(kind: .kernelUnhealthy, kernel: "slow")
        let readyEntries = try h.store.events(kernel: "slow", kinds: ["kernel.ready"])
        await h.supervisor.shutdown()  // before any expectation, so a failure leaves no kernel behind
        let ready = try #require(readyEntries.first, "probes before READY=1 must not make the kernel unhealthy")
        #expect(unhealthy.id > ready.id, "probes before READY=1 must not make the kernel unhealthy")
    }

    @Test("READY=1 is followed by a probe at once, not a probe period later")
    func probeOnReady() async throws {
        // The probe passes only once the kernel has written `up` (after the probe at spawn), just before READY=1;
        // its period is an hour, so without a probe on readiness `kernel.healthy` could only come after the
        // kernel's exit 20 s later.
        let up = FileManager.default.temporaryDirectory.appendingPathComponent("grace-up-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: up) }
        let yaml = Self.kernel(
            "prompt", "sleep 0.3; touch \(up); systemd-notify --ready; sleep 20",
            extra: "ready: notify\nhealth: {exec: [/bin/test, -e, \(up)], every: 1h, timeout: 5s}")
        let h = try Self.harness(yaml)
        await h.supervisor.boot()
        let first = try await h.journal.requireEntry("kernel.healthy or kernel.exited about prompt") { entry in
            entry.kernel == "prompt" && ["kernel.healthy", "kernel.exited"].contains(entry.kind)
        }
        await h.supervisor.shutdown()
        #expect(first.kind == "kernel.healthy")
    }

    @Test("within start_period, READY=1 is probed at once and a pass counts; failures do not")
    func startPeriodAsDocker() async throws {
        // As probeOnReady, with an hour's start period: the first probe used to wait it out.
        let up = FileManager.default.temporaryDirectory.appendingPathComponent("grace-up-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: up) }
        let yaml = [
            Self.kernel(
                "prompt", "sleep 0.3; touch \(up); systemd-notify --ready; sleep 20",
                extra: "ready: notify\nhealth: {exec: [/bin/test, -e, \(up)], every: 1h, timeout: 5s, start_period: 1h}"
            ),
            // Ready at once, every probe fails, one failure would do: none counts within the start period.
            Self.kernel(
                "early", "systemd-notify --ready; sleep 1",
                extra: "ready: notify\nhealth: {tcp: \"127.0.0.1:1\", every: 50ms, timeout: 50ms, failures: 1, "
                    + "start_period: 1h}"),
        ].joined(separator: "\n---\n")
        let h = try Self.harness(yaml)
        await h.supervisor.boot()
        let first = try await h.journal.requireEntry("kernel.healthy or kernel.exited about prompt") { entry in
            entry.kernel == "prompt" && ["kernel.healthy", "kernel.exited"].contains(entry.kind)
        }
        let early = try await h.journal.requireEntry("kernel.unhealthy or kernel.exited about early") { entry in
            entry.kernel == "early" && ["kernel.unhealthy", "kernel.exited"].contains(entry.kind)
        }
        await h.supervisor.shutdown()
        #expect(first.kind == "kernel.healthy")
        #expect(early.kind == "kernel.exited")
    }

    @Test("kernels boot in dependency order and shut down in reverse")
    func dependencyOrder() async throws {
        let yaml = [
            Self.kernel("c", "exec sleep 1000", extra: "depends_on: [b]"),
            Self.kernel("a", "exec sleep 1000"),
            Self.kernel("b", "exec sleep 1000", extra: "depends_on: [a]"),
        ].joined(separator: "\n---\n")
        let h = try Self.harness(yaml)
        await h.supervisor.boot()
        _ = try await h.supervisor.journal.requireEntry(kind: .kernelReady, kernel: "c")
        await h.supervisor.shutdown()
        let started = try h.store.events(limit: 100, kinds: ["kernel.started"]).compactMap(\.kernel)
        let stopped = try h.store.events(limit: 100, kinds: ["kernel.stopped"]).compactMap(\.kernel)
        #expect(started == ["a", "b", "c"])
        #expect(stopped == ["c", "b", "a"])
    }

    @Test("stop escalates to SIGKILL for a kernel that ignores SIGTERM")
    func stopEscalates() async throws {
        let yaml = Self.kernel("stubborn", "trap '' TERM; while :; do sleep 1; done", extra: "stop: {grace: 200ms}")
        let h = try Self.harness(yaml)
        await h.supervisor.boot()
        _ = try await h.supervisor.journal.requireEntry(kind: .kernelStarted, kernel: "stubborn")
        await h.supervisor.shutdown()
        let kill = try h.store.events(kernel: "stubborn", kinds: ["kernel.kill"])
        #expect(kill.count == 1)
        let stopped = try h.store.events(kernel: "stubborn", kinds: ["kernel.stopped"])
        #expect(stopped.first?.fields["signal"] == "SIGKILL")
    }

    @Test("metrics of a running kernel come from /proc")
    func metrics() async throws {
        let h = try Self.harness(Self.kernel("busy", "exec sleep 1000"), metrics: .seconds(3600))
        await h.supervisor.boot()
        _ = try await h.supervisor.journal.requireEntry(kind: .kernelStarted, kernel: "busy")
        await h.supervisor.sampleNow()
        await h.supervisor.sampleNow()
        let m = try #require(await h.supervisor.metrics(of: "busy"))
        #expect(m.rssBytes > 0)
        #expect(m.threads >= 1)
        await h.supervisor.shutdown()
    }
}
