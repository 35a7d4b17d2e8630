import Foundation
import GraceDSL
import Interpreter
import Logging
import TestSupport
import Testing

@testable import Runtime

/// Triggers and playbooks against real processes: a fault happens, the trigger fires, the playbook heals,
/// and every step is in the journal. Waits are on journal events only.
@Suite("Healing with real processes", .timeLimit(.minutes(5)))
struct HealingTests {
    static func start(
        _ yaml: String, metrics: Duration = .seconds(60), before: ((URL) throws -> Void)? = nil
    ) async throws -> (Supervisor, Healer, StateStore) {
        let h = try SupervisorTests.harness(yaml, metrics: metrics)
        try before?(h.directory)
        let healer = Healer(
            graph: h.graph, supervisor: h.supervisor, environment: h.environment,
            runner: ProcessCommandRunner(
                locator: ExecutableLocator(root: h.directory.path, toolDirectories: []), reaper: SupervisorTests.reaper,
                reactor: h.reactor),
            root: h.directory.path,
            snapshots: try SnapshotStore(directory: h.directory.appendingPathComponent("snapshots")))
        Task { await healer.handleObservations() }
        await h.supervisor.boot()
        return (h.supervisor, healer, h.store)
    }

    @Test("a run on a schedule answers no error signature; one that followed the error on its kernel does")
    func schedulesAnswerNothing() async throws {
        let yaml = """
            kind: kernel
            name: web
            command: [/bin/sh, -c, "exec sleep 1000"]
            ---
            kind: playbook
            name: tell
            params: {kernel: {type: kernel}}
            steps:
              - notify: "{{ kernel }}"
            ---
            kind: trigger
            name: quarterly
            when: {cron: "*/15 * * * *"}
            run: tell
            with: {kernel: web}
            ---
            kind: trigger
            name: crashed
            when: {exit: web}
            run: tell
            with: {kernel: web}
            """
        let (supervisor, healer, _) = try await Self.start(yaml)
        await healer.noteSighting(
            SignatureSighting(
                kernel: "web", line: "disk 3 failed", signature: "s1", template: "disk <*> failed", severity: .error))
        #expect(
            await healer.attribution(
                for: Firing(trigger: "quarterly", at: .zero, fields: [:]),
                arguments: [
                    "kernel": "web"
                ]) == nil)
        let answered = await healer.attribution(
            for: Firing(trigger: "crashed", at: .zero, fields: ["kernel": "web"]), arguments: ["kernel": "web"])
        #expect(answered?.signature == "s1")
        await supervisor.shutdown()
    }

    /// A kernel that exits at once, every time: Grace gives up on it after two quick restarts.
    static let crasher = """
        kind: kernel
        name: crasher
        command: [/bin/sh, -c, "exit 3"]
        restart: {policy: always, backoff: {initial: 10ms, max: 20ms, jitter: 0%}, intensity: {max: 2, within: 1m}}
        ---

        """

    @Test("a kernel Grace gave up on fires gave_up, with the kernel, so a playbook can react")
    func gaveUpIsAnEvent() async throws {
        let yaml =
            Self.crasher + """
                kind: playbook
                name: tell
                params: {kernel: {type: kernel}}
                steps:
                  - notify: "gave up on {{ kernel }}"
                ---
                kind: trigger
                name: given-up
                when: {gave_up: "*"}
                run: tell
                with: {kernel: "{{ event.kernel }}"}
                """
        let (supervisor, _, _) = try await Self.start(yaml)
        let gaveUp = try await supervisor.journal.requireEntry(kind: .kernelGaveUp, kernel: "crasher")
        let fired = try await supervisor.journal.requireEntry(kind: .triggerFired, after: gaveUp.id)
        #expect(fired.fields["trigger"] == "given-up")
        #expect(fired.fields["event.kernel"] == "crasher")
        let told = try await supervisor.journal.requireEntry(kind: .notify, after: fired.id)
        #expect(told.fields["message"] == "gave up on crasher")
        await supervisor.shutdown()
    }

    @Test("wait_healthy on a kernel Grace gave up on fails at once, so the playbook's own restart comes next")
    func waitHealthyOnGivenUp() async throws {
        let yaml =
            Self.crasher + """
                kind: playbook
                name: await
                params: {kernel: {type: kernel}}
                steps:
                  - name: await-policy-restart
                    wait_healthy: "{{ kernel }}"
                    timeout: 10m
                ---
                kind: trigger
                name: given-up
                when: {gave_up: "*"}
                run: await
                with: {kernel: "{{ event.kernel }}"}
                """
        let (supervisor, _, _) = try await Self.start(yaml)
        let gaveUp = try await supervisor.journal.requireEntry(kind: .kernelGaveUp, kernel: "crasher")
        // With a ten-minute timeout, only the gave-up check can end this step within requireEntry's wait.
        let failed = try await supervisor.journal.requireEntry(kind: .stepFailed, after: gaveUp.id)
        #expect(failed.fields["error"]?.contains("gave up restarting it") == true, "\(failed.fields)")
        await supervisor.shutdown()
    }

    @Test("a crashed kernel is healed by the kernel-crash playbook, and the run is journaled step by step")
    func crashHealed() async throws {
        let yaml = """
            kind: kernel
            name: web
            command: [/bin/sh, -c, "exec sleep 1000"]
            restart: {policy: never}
            ---
            kind: playbook
            name: heal-crashed-kernel
            params: {kernel: {type: kernel}}
            steps:
              - name: restart
                restart: "{{ kernel }}"
              - wait_healthy: "{{ kernel }}"
                timeout: 10s
              - notify: "healed {{ kernel }}"
            ---
            kind: trigger
            name: crashed
            when: {exit: "*"}
            run: heal-crashed-kernel
            with: {kernel: "{{ event.kernel }}"}
            """
        let (supervisor, healer, store) = try await Self.start(yaml)
        let started = try await supervisor.journal.requireEntry(kind: .kernelStarted, kernel: "web")
        // Never kill(0, ...): that would be this test's own process group.
        kill(try #require(Int32(started.fields["pid"] ?? "")), SIGKILL)
        let fired = try await supervisor.journal.requireEntry(kind: .triggerFired, after: started.id)
        #expect(fired.fields["trigger"] == "crashed")
        #expect(fired.fields["event.signal"] == "SIGKILL")
        let succeeded = try await supervisor.journal.requireEntry(kind: .runSucceeded, after: fired.id)
        #expect(succeeded.fields["playbook"] == "heal-crashed-kernel")
        let run = succeeded.fields["run"] ?? ""
        let steps = try store.events(after: fired.id, limit: 100, kinds: ["step.started", "step.succeeded"])
            .filter { $0.fields["run"] == run }.map { "\($0.kind):\($0.fields["step"] ?? "")" }
        #expect(
            steps == [
                "step.started:0", "step.succeeded:0", "step.started:1", "step.succeeded:1", "step.started:2",
                "step.succeeded:2",
            ])
        #expect(await supervisor.isHealthy("web"))
        let restarts = try store.events(after: started.id, kinds: ["kernel.started"])
        #expect(restarts.count == 1, "restarted by the playbook (policy never)")
        // The run has ended, and the healer lets its task go (it kept every finished run's task for ever:
        // bench/campaign/soak.py).
        let deadline = ContinuousClock.now + TestWait.standard
        while await healer.runsInFlight > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(await healer.runsInFlight == 0)
        await healer.stop()
        await supervisor.shutdown()
    }

    @Test("a trigger storm is rate limited, and every firing is still in the journal")
    func storm() async throws {
        let yaml = """
            kind: grace
            name: storm
            limits: {rate: {runs: 3, per: 1m}}
            ---
            kind: kernel
            name: noisy
            command: [/bin/sh, -c, "for i in $(seq 1 40); do echo 'ERROR boom'; done; exec sleep 1000"]
            ---
            kind: playbook
            name: note
            steps: [{notify: "noise"}]
            ---
            kind: trigger
            name: errors
            when: {log: 'ERROR boom', kernel: noisy}
            run: note
            """
        let (supervisor, healer, store) = try await Self.start(yaml)
        var seen = 0
        var last: Int64 = 0
        while seen < 40 {
            let entry = try await supervisor.journal.requireEntry("trigger.fired or trigger.suppressed", after: last) {
                $0.kind == "trigger.fired" || $0.kind == "trigger.suppressed"
            }
            last = entry.id
            seen += 1
        }
        let fired = try store.events(limit: 1000, kinds: ["trigger.fired"]).count
        let limited = try store.events(limit: 1000, kinds: ["trigger.suppressed"]).filter {
            $0.fields["reason"] == "rate-limited"
        }.count
        #expect(fired == 3)
        #expect(limited == 37)
        await healer.stop()
        await supervisor.shutdown()
    }

    @Test("CPU saturation sheds background kernels, and they come back when load falls")
    func shedLoad() async throws {
        let yaml = """
            kind: kernel
            name: core
            tier: critical
            command: [/bin/sh, -c, "exec sleep 1000"]
            ---
            kind: kernel
            name: batch
            tier: background
            command: [/bin/sh, -c, "exec sleep 1000"]
            ---
            kind: kernel
            name: burner
            tier: standard
            command: [/bin/sh, -c, "while :; do :; done"]
            ---
            kind: playbook
            name: shed
            steps: [{shed_load: background}]
            ---
            kind: playbook
            name: unshed
            steps: [{restore_load: background}]
            ---
            kind: trigger
            name: hot
            when: {metric: cpu, kernel: burner, above: 50%}
            run: shed
            ---
            kind: trigger
            name: cool
            when: {exit: burner, expected: true}
            run: unshed
            """
        let (supervisor, healer, store) = try await Self.start(yaml, metrics: .milliseconds(200))
        let paused = try await supervisor.journal.requireEntry(kind: .kernelPaused, kernel: "batch")
        #expect(await supervisor.isPaused("batch"))
        #expect(!(await supervisor.isPaused("core")), "critical kernels are never shed")
        await supervisor.stop("burner", reason: "test: load falls")
        _ = try await supervisor.journal.requireEntry(kind: .kernelResumed, kernel: "batch", after: paused.id)
        #expect(!(await supervisor.isPaused("batch")))
        _ = store
        await healer.stop()
        await supervisor.shutdown()
    }

    @Test("heartbeat silence is healed: the silence trigger fires and its playbook brings the kernel back")
    func heartbeatSilence() async throws {
        // Beats until a `quiet` file appears, then stays alive but silent (a hang).
        let script =
            "systemd-notify --ready; while [ ! -f quiet ]; do systemd-notify WATCHDOG=1; sleep 0.2; done; rm -f quiet; exec sleep 1000"
        let yaml = """
            kind: kernel
            name: beater
            command: [/bin/sh, -c, "\(script)"]
            ready: notify
            watchdog: 3s
            restart: {policy: never}
            ---
            kind: playbook
            name: revive
            params: {kernel: {type: kernel}}
            steps: [{restart: "{{ kernel }}"}, {wait_healthy: "{{ kernel }}", timeout: 10s}]
            ---
            kind: trigger
            name: silent
            when: {silence: beater}
            run: revive
            with: {kernel: "{{ event.kernel }}"}
            """
        let (supervisor, healer, _) = try await Self.start(yaml)
        let ready = try await supervisor.journal.requireEntry(kind: .kernelReady, kernel: "beater")
        // The kernel runs in the harness directory (the configuration root).
        let quiet = URL(fileURLWithPath: await Self.rootOf(supervisor)).appendingPathComponent("quiet")
        _ = FileManager.default.createFile(atPath: quiet.path, contents: Data())
        let fired = try await supervisor.journal.requireEntry(kind: .triggerFired, after: ready.id)
        #expect(fired.fields["trigger"] == "silent")
        let done = try await supervisor.journal.requireEntry("run.succeeded or run.failed", after: fired.id) {
            $0.kind == "run.succeeded" || $0.kind == "run.failed"
        }
        #expect(done.kind == "run.succeeded", "restart, then wait_healthy passed")
        await healer.stop()
        await supervisor.shutdown()
    }

    @Test("memory growth is predicted and acted on before the limit")
    func memoryPrediction() async throws {
        let grow = "import time\nblocks=[]\nwhile True:\n    blocks.append(bytearray(4<<20))\n    time.sleep(0.05)\n"
        let yaml = """
            kind: kernel
            name: leaky
            command: [python3, -c, "\(grow.replacingOccurrences(of: "\n", with: "\\n"))"]
            restart: {policy: never}
            ---
            kind: playbook
            name: recycle
            params: {kernel: {type: kernel}}
            steps: [{restart: "{{ kernel }}"}]
            ---
            kind: trigger
            name: growing
            when: {predict: memory_rss, kernel: leaky, above: 1GiB, within: 60s, window: 3s}
            run: recycle
            with: {kernel: leaky}
            """
        let (supervisor, healer, _) = try await Self.start(yaml, metrics: .milliseconds(100))
        let started = try await supervisor.journal.requireEntry(kind: .kernelStarted, kernel: "leaky")
        let fired = try await supervisor.journal.requireEntry(kind: .triggerFired, after: started.id)
        #expect(fired.fields["trigger"] == "growing")
        let value = try #require(Double(fired.fields["event.value"] ?? ""))
        #expect(value < 1024 * 1024 * 1024, "acted on before the limit: RSS was \(Int(value) >> 20) MiB")
        #expect(fired.fields["event.eta"] != nil)
        _ = try await supervisor.journal.requireEntry(kind: .runSucceeded, after: fired.id)
        await healer.stop()
        await supervisor.shutdown()
    }

    static func rootOf(_ supervisor: Supervisor) async -> String {
        await supervisor.rootDirectory
    }

    /// A `store` kernel, healthy while `data/store/db` says "good" (probed every `every`), and a manual playbook
    /// `take-snapshot` that snapshots it; the snapshot tests add their own playbooks after it.
    static func snapshottedStore(every: String) -> String {
        """
        kind: kernel
        name: store
        command: [/bin/sh, -c, "exec sleep 1000"]
        data: [data/store]
        health: {exec: [/bin/grep, -q, good, data/store/db], every: \(every), timeout: \(every), failures: 1}
        ---
        kind: playbook
        name: take-snapshot
        manual: true
        steps: [{snapshot: store, tag: baseline}]
        ---

        """
    }

    /// Writes the good records `snapshottedStore` checks for, before the kernel starts.
    static func writeGoodRecords(_ dir: URL) throws {
        let data = dir.appendingPathComponent("data/store")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data("good records\n".utf8).write(to: data.appendingPathComponent("db"))
    }

    @Test("corrupted data is detected by the file integrity trigger and restored from the last good snapshot, verified")
    func corruptionRestored() async throws {
        let yaml =
            Self.snapshottedStore(every: "1s") + """
                kind: playbook
                name: restore-data
                params: {kernel: {type: kernel}}
                steps:
                  - stop: "{{ kernel }}"
                  - restore: "{{ kernel }}"
                    from: last_good
                  - verify: "{{ kernel }}"
                  - start: "{{ kernel }}"
                  - wait_healthy: "{{ kernel }}"
                    timeout: 20s
                ---
                kind: trigger
                name: data-drift
                when: {file: data/store/db, kernel: store, every: 100ms}
                run: restore-data
                with: {kernel: store}
                cooldown: 1m
                """
        let (supervisor, healer, store) = try await Self.start(yaml, before: Self.writeGoodRecords)
        _ = try await supervisor.journal.requireEntry(kind: .kernelHealthy, kernel: "store")
        let snapshot = await healer.run("take-snapshot", arguments: [:])
        #expect(snapshot.succeeded, "\(snapshot.error ?? "")")
        let created = try #require(try store.events(kinds: ["snapshot.created"]).first)
        #expect(created.fields["good"] == "true")

        let db = URL(fileURLWithPath: await supervisor.rootDirectory).appendingPathComponent("data/store/db")
        try Data("CORRUPTED\u{0}\u{0}".utf8).write(to: db)
        let fired = try await supervisor.journal.requireEntry(kind: .triggerFired, after: created.id)
        #expect(fired.fields["trigger"] == "data-drift")
        let done = try await supervisor.journal.requireEntry("run.succeeded or run.failed", after: fired.id) {
            $0.kind == "run.succeeded" || $0.kind == "run.failed"
        }
        #expect(done.kind == "run.succeeded", "\(done.fields)")
        #expect(try String(contentsOf: db, encoding: .utf8) == "good records\n")
        let steps = try store.events(after: fired.id, limit: 200, kinds: ["step.succeeded"]).compactMap {
            $0.fields["detail"]
        }
        #expect(steps.contains { $0.contains("files match snapshot") }, "verified after restore")
        #expect(try store.events(after: fired.id, kinds: ["snapshot.restored"]).count == 1)
        await healer.stop()
        await supervisor.shutdown()
    }

    @Test("a good snapshot that holds the damage: once restored without the kernel healthy, last_good skips it")
    func distrustedSnapshotSkipped() async throws {
        let yaml =
            Self.snapshottedStore(every: "200ms") + """
                kind: playbook
                name: restore-data
                manual: true
                steps:
                  - stop: store
                  - restore: store
                    from: last_good
                  - verify: store
                  - start: store
                  - wait_healthy: store
                    timeout: 3s
                """
        let (supervisor, healer, store) = try await Self.start(yaml, before: Self.writeGoodRecords)
        _ = try await supervisor.journal.requireEntry(kind: .kernelHealthy, kernel: "store")
        #expect(await healer.run("take-snapshot", arguments: [:]).succeeded)
        let baseline = try #require(try store.events(kinds: ["snapshot.created"]).first?.fields["id"])
        // The race: the data went bad, and a snapshot was taken before the kernel noticed, so it is marked good.
        let root = URL(fileURLWithPath: await supervisor.rootDirectory)
        let damaged = FileManager.default.temporaryDirectory.appendingPathComponent("grace-damaged-\(UUID())")
        defer { try? FileManager.default.removeItem(at: damaged) }
        try FileManager.default.createDirectory(
            at: damaged.appendingPathComponent("data/store"), withIntermediateDirectories: true)
        try Data("CORRUPTED\n".utf8).write(to: damaged.appendingPathComponent("data/store/db"))
        let snapshots = try SnapshotStore(directory: root.appendingPathComponent("snapshots"))
        let poisoned = try snapshots.create(
            kernel: "store", root: damaged, paths: ["data/store"], tag: "racing", good: true,
            time: Date().addingTimeInterval(1))
        try Data("CORRUPTED\n".utf8).write(to: root.appendingPathComponent("data/store/db"))

        // The first restore puts the poisoned snapshot back (the newest good one): the kernel stays unhealthy.
        let first = await healer.run("restore-data", arguments: [:])
        #expect(!first.succeeded)
        let restored = try store.events(kinds: ["snapshot.restored"]).compactMap { $0.fields["id"] }
        #expect(restored == [poisoned.id])
        // The next one does not trust it: it restores the snapshot before, and verifies against that one.
        let second = await healer.run("restore-data", arguments: [:])
        #expect(second.succeeded, "\(second.error ?? "")")
        #expect(
            try store.events(kinds: ["snapshot.restored"]).compactMap { $0.fields["id"] } == [poisoned.id, baseline])
        let details = try store.events(limit: 500, kinds: ["step.succeeded"]).compactMap { $0.fields["detail"] }
        #expect(details.contains { $0.contains("restored store from \(baseline) (not \(poisoned.id):") })
        #expect(details.contains { $0.contains("files match snapshot \(baseline)") })
        #expect(
            try String(contentsOf: root.appendingPathComponent("data/store/db"), encoding: .utf8) == "good records\n")
        // Distrusted for good: a later last_good restore passes over it still.
        #expect(await healer.run("restore-data", arguments: [:]).succeeded)
        #expect(try store.events(kinds: ["snapshot.restored"]).compactMap { $0.fields["id"] }.last == baseline)
        await healer.stop()
        await supervisor.shutdown()
    }
}
