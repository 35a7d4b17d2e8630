import Foundation
import GraceDSL
import Interpreter
import Testing

@testable import Runtime

/// What the supervisor says about kernels is true, and what the DSL accepts is what it does: start timeouts,
/// health only of ready processes, restarts with their origin, stop and exec settings, limits it cannot enforce.
/// Real processes; every wait is on a journal event.
@Suite("Supervisor tells the truth", .timeLimit(.minutes(5)))
struct SupervisorTruthTests {
    typealias Harness = SupervisorTests.Harness

    static func harness(_ yaml: String) throws -> Harness { try SupervisorTests.harness(yaml) }
    static func kernel(_ name: String, _ script: String, extra: String = "") -> String {
        SupervisorTests.kernel(name, script, extra: extra)
    }

    @Test("a kernel never ready within start_timeout is journaled, killed and restarted by its policy")
    func startTimeout() async throws {
        let h = try Self.harness(
            Self.kernel(
                "slow", "exec sleep 1000",
                extra: "ready: notify\nstart_timeout: 300ms\nrestart: {backoff: {initial: 20ms, jitter: 0%}}"))
        await h.supervisor.boot()
        let started = try await h.journal.requireEntry(kind: .kernelStarted, kernel: "slow")
        #expect(await h.supervisor.status().first?.healthy == nil, "starting: no verdict")
        let timeout = try await h.journal.requireEntry(kind: .kernelStartTimeout, kernel: "slow", after: started.id)
        #expect(timeout.fields["after_ms"] == "300")
        #expect(timeout.fields["pid"] == started.fields["pid"])
        let exited = try await h.journal.requireEntry(kind: .kernelExited, kernel: "slow", after: timeout.id)
        #expect(exited.fields["signal"] == "SIGKILL")
        _ = try await h.journal.requireEntry(kind: .kernelRestarting, kernel: "slow", after: exited.id)
        _ = try await h.journal.requireEntry(kind: .kernelStarted, kernel: "slow", after: exited.id)
        await h.supervisor.shutdown()
    }

    @Test("a ready kernel within its start_timeout is left alone")
    func readyInTime() async throws {
        // Ready at once; once the 2s timeout would have passed it says more over sd_notify. (2s, not less: on a
        // loaded machine starting a shell and systemd-notify has taken longer than 200ms.)
        let h = try Self.harness(
            Self.kernel(
                "quick", "systemd-notify --ready; sleep 2.5; systemd-notify STATUS=still-here; exec sleep 1000",
                extra: "ready: notify\nstart_timeout: 2s"))
        await h.supervisor.boot()
        let ready = try await h.journal.requireEntry(kind: .kernelReady, kernel: "quick")
        _ = try await h.journal.requireEntry(kind: .kernelStatus, kernel: "quick", after: ready.id)
        #expect(try h.store.events(kernel: "quick", kinds: ["kernel.start_timeout", "kernel.kill"]).isEmpty)
        await h.supervisor.shutdown()
    }

    @Test("a stopped kernel is never healthy and has no figures; a running one without a probe is")
    func stoppedIsNotHealthy() async throws {
        let h = try Self.harness(Self.kernel("svc", "exec sleep 1000"))
        await h.supervisor.boot()
        _ = try await h.journal.requireEntry(kind: .kernelReady, kernel: "svc")
        // CPU needs two readings: the first sample comes with the second.
        await h.supervisor.sampleNow()
        await h.supervisor.sampleNow()
        var status = try #require(await h.supervisor.status().first)
        #expect(status.healthy == true)
        #expect(status.metrics != nil)
        await h.supervisor.stopAndWait("svc")
        status = try #require(await h.supervisor.status().first)
        #expect(status.phase == .stopped)
        #expect(status.healthy == nil)
        #expect(!status.isHealthy)
        #expect(status.metrics == nil)
        await h.supervisor.shutdown()
    }

    @Test("restarts asked for are journaled with their origin and counted with the policy's")
    func requestedRestarts() async throws {
        let h = try Self.harness(Self.kernel("svc", "exec sleep 1000"))
        await h.supervisor.boot()
        let ready = try await h.journal.requireEntry(kind: .kernelReady, kernel: "svc")
        await h.supervisor.restart("svc", origin: .playbook, reason: "playbook run r1")
        let requested = try await h.journal.requireEntry(kind: .kernelRestartRequested, kernel: "svc", after: ready.id)
        #expect(requested.fields["origin"] == "playbook")
        #expect(requested.fields["reason"] == "playbook run r1")
        #expect(requested.fields["pid"] == ready.fields["pid"])
        let again = try await h.journal.requireEntry(kind: .kernelReady, kernel: "svc", after: requested.id)
        kill(try #require(Int32(again.fields["pid"] ?? "")), SIGKILL)
        _ = try await h.journal.requireEntry(kind: .kernelReady, kernel: "svc", after: again.id)
        #expect(await h.supervisor.status().first?.restarts == 2, "one asked for, one by policy")
        await h.supervisor.shutdown()
    }

    @Test("limits that cannot be enforced are journaled once, shown in status, and give no memory percentage")
    func unenforcedLimits() async throws {
        let h = try Self.harness(
            Self.kernel("capped", "exec sleep 1000", extra: "limits: {memory: 64MiB, cpu: 50%, nofile: 256}")
                + "\n---\n" + Self.kernel("free", "exec sleep 1000"))
        await h.supervisor.boot()
        let report = try await h.journal.requireEntry(kind: .kernelLimitsUnenforced, kernel: "capped")
        #expect(report.fields["limits"] == "memory=64MiB cpu=50%")
        #expect(report.fields["reason"]?.isEmpty == false)
        _ = try await h.journal.requireEntry(kind: .kernelReady, kernel: "capped")
        _ = try await h.journal.requireEntry(kind: .kernelReady, kernel: "free")
        await h.supervisor.sampleNow()
        await h.supervisor.sampleNow()
        let status = await h.supervisor.status()
        let capped = try #require(status.first { $0.name == "capped" })
        #expect(capped.unenforcedLimits.map(\.limit) == ["memory", "cpu"])
        #expect(status.first { $0.name == "free" }?.unenforcedLimits.isEmpty == true)
        let metrics = try #require(capped.metrics)
        #expect(metrics.memoryLimitBytes == nil)
        let events = ObservedEvents.events(from: .metrics(kernel: "capped", metrics), graph: h.graph)
        #expect(!events.contains { if case .metric(_, .memory, _) = $0 { true } else { false } })
        // With an enforced limit, the percentage is of it.
        var enforced = metrics
        enforced.memoryLimitBytes = 64 << 20
        let withLimit = ObservedEvents.events(from: .metrics(kernel: "capped", enforced), graph: h.graph)
        #expect(withLimit.contains { if case .metric(_, .memory, _) = $0 { true } else { false } })
        await h.supervisor.shutdown()
        #expect(try h.store.events(kinds: ["kernel.limits_unenforced"]).count == 1)
    }

    @Test("a playbook's stop signal and grace, restart grace, and exec cwd and env are honoured")
    func playbookSettingsHonoured() async throws {
        // The kernel ends with code 7 on SIGINT and ignores SIGTERM.
        let h = try Self.harness(
            Self.kernel(
                "svc", "trap 'exit 7' INT; trap '' TERM; while :; do sleep 0.05; done", extra: "stop: {grace: 30s}"))
        await h.supervisor.boot()
        let ready = try await h.journal.requireEntry(kind: .kernelReady, kernel: "svc")
        let runner = ProcessCommandRunner(
            locator: ExecutableLocator(root: h.directory.path, toolDirectories: []), reaper: SupervisorTests.reaper,
            reactor: SupervisorTests.reactor)
        let performer = RuntimeActionPerformer(
            supervisor: h.supervisor, journal: h.journal, runner: runner, clock: h.environment.clock)

        _ = try await performer.perform(
            .stop(kernel: "svc", signal: try #require(Signal.parse("SIGINT")), grace: .seconds(5)), runID: "r1")
        let stopped = try await h.journal.requireEntry(kind: .kernelStopped, kernel: "svc", after: ready.id)
        #expect(stopped.fields["code"] == "7", "SIGINT, not the kernel's SIGTERM")

        _ = try await performer.perform(.start(kernel: "svc"), runID: "r1")
        let again = try await h.journal.requireEntry(kind: .kernelReady, kernel: "svc", after: stopped.id)
        // SIGTERM is ignored: only the step's 100ms grace (not the kernel's 30s) ends this restart in time.
        _ = try await performer.perform(.restart(kernel: "svc", grace: .milliseconds(100)), runID: "r2")
        let kill = try await h.journal.requireEntry(kind: .kernelKill, kernel: "svc", after: again.id)
        #expect(kill.fields["pid"] == again.fields["pid"])

        let directory = h.directory.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ok = try await performer.perform(
            .exec(
                arguments: [
                    "/bin/sh", "-c", "test \"$(pwd -P)\" = \"$(cd \"$1\" && pwd -P)\" && test \"$MODE\" = repair", "-",
                    directory.path,
                ],
                expect: 0, cwd: "work", environment: ["MODE": "repair"]),
            runID: "r3")
        #expect(ok.detail == "exit 0")
        await #expect(throws: ActionFailure.self) {
            _ = try await performer.perform(
                .exec(arguments: ["/bin/sh", "-c", "test \"$MODE\" = repair"], expect: 0, cwd: nil, environment: [:]),
                runID: "r4")
        }
        await h.supervisor.stopAndWait("svc", signal: SIGINT)
        await h.supervisor.shutdown()
    }
}
