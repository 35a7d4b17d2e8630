import Foundation
import TestSupport
import Testing

/// The playbooks for the faults chaos drills find (issue 18, item 5), each run for real: the shipped configuration
/// under the `grace` binary, a fault injected through grace-demo's switches, and the trigger meant for it must
/// start its playbook's run and the run must succeed, as the log says at once and the journal says afterwards.
///
/// Three Graces on free ports, one after the other (side by side they load two cores enough to starve the
/// timing-sensitive tests that run meanwhile), each with faults in sequence (a kernel's next fault only once the
/// last one is healed; different kernels' sequences at once): api's, worker's and store's service faults in one,
/// the taken port and the dependency in another, and the full disk in a third, whose Grace runs in a private mount
/// namespace with a 16 MiB tmpfs for api's cache. Metrics are sampled every second (`--metrics-interval 1`), so
/// metric triggers decide within seconds.
@Suite("Playbooks for what drills find, on the shipped configuration", .serialized, .timeLimit(.minutes(10)))
struct DrillPlaybookTests {
    typealias Shipped = HealingScenarioTests.Shipped

    /// One healing the journal must show: a run of `playbook` started by `trigger`, and its success.
    struct Healing: Sendable, CustomStringConvertible {
        var trigger: String
        var playbook: String
        var description: String { "\(trigger) -> \(playbook)" }
    }

    static func start(_ root: URL) throws -> RunningGrace {
        try RunningGrace(arguments: ["--allow-partial", "--metrics-interval", "1"], in: root)
    }

    @Test(
        "api slow, flooding, its certificate expiring; worker zombies, leaking descriptors, a clock jump; store leaking"
    )
    func serviceFaults() async throws {
        let shipped = try await Shipped(root: UpCommandTests.copyOfShippedConfiguration(), start: Self.start)
        defer { shipped.grace.terminate() }
        async let api: [String] = {
            var runs: [String] = []
            runs.append(
                try await Self.heal(
                    shipped, "slow", "ms=800", into: "api",
                    Healing(trigger: "api-latency-slo", playbook: "restore-latency")
                ))
            let flood = try await Self.heal(
                shipped, "flood", "rate=1000", into: "api",
                Healing(trigger: "api-log-flood", playbook: "quiet-log-flood"))
            runs.append(flood)
            try await shipped.inject("stop", into: "api", query: "name=flood")
            runs.append(
                try await Self.heal(
                    shipped, "tls", "days=1", into: "api",
                    Healing(trigger: "api-certificate-expiring", playbook: "renew-certificate")))
            return runs
        }()
        // A slow leak (5 MiB/s) in store: store-memory-growth's trend crosses 240MiB within 15 minutes long before
        // store-memory-pressure's 200MiB have held for a minute.
        async let store = Self.heal(
            shipped, "leak", "mb=1&every=200ms", into: "store",
            Healing(trigger: "store-memory-growth", playbook: "recycle-leaking-kernel"))
        async let worker: [String] = {
            var runs: [String] = []
            runs.append(
                try await Self.heal(
                    shipped, "zombies", "count=40&every=10ms", into: "worker",
                    Healing(trigger: "kernel-zombies", playbook: "reap-zombies")))
            // 1500 of worker's 2048 descriptors: past the trigger's 50%, short of the limit (where accept fails and
            // the too-many-open-files signature would answer first).
            runs.append(
                try await Self.heal(
                    shipped, "fdleak", "count=1500&every=1ms", into: "worker",
                    Healing(trigger: "kernel-descriptor-leak", playbook: "recover-descriptor-leak")))
            runs.append(
                try await Self.heal(
                    shipped, "clock", "offset=-1h", into: "worker",
                    Healing(trigger: "kernel-clock-jump", playbook: "recover-clock-jump")))
            return runs
        }()
        let (apiRuns, workerRuns, storeRun) = try await (api, worker, store)
        let output = shipped.grace.output
        // The flood stopped when api was asked to log less: no restart; the zombies were reaped on SIGCHLD: none.
        #expect(Self.step("restart", of: apiRuns[1], in: output)?.contains("step.skipped") == true)
        #expect(Self.step("restart", of: workerRuns[0], in: output)?.contains("step.skipped") == true)
        #expect(Self.step("renew", of: apiRuns[2], in: output)?.contains("renewed var/demo/tls/api.pem") == true)
        #expect(Self.step("evidence", of: workerRuns[1], in: output)?.contains("descriptors open") == true)
        #expect(Self.step("snapshot", of: storeRun, in: output)?.contains("step.succeeded") == true)
        try await shipped.finish(expecting: [
            Healing(trigger: "api-latency-slo", playbook: "restore-latency"),
            Healing(trigger: "api-log-flood", playbook: "quiet-log-flood"),
            Healing(trigger: "api-certificate-expiring", playbook: "renew-certificate"),
            Healing(trigger: "store-memory-growth", playbook: "recycle-leaking-kernel"),
            Healing(trigger: "kernel-zombies", playbook: "reap-zombies"),
            Healing(trigger: "kernel-descriptor-leak", playbook: "recover-descriptor-leak"),
            Healing(trigger: "kernel-clock-jump", playbook: "recover-clock-jump"),
        ])
    }

    @Test("a stranger on api's port is stopped; a hung store that api reports is healed before api, its data kept")
    func portAndDependency() async throws {
        let shipped = try await Shipped(root: UpCommandTests.copyOfShippedConfiguration(), start: Self.start)
        defer { shipped.grace.terminate() }
        // The squatter holds the port for a minute at most, should the test end before the playbook stops it.
        let port = try await Self.heal(
            shipped, "squat", "seconds=60", into: "api",
            Healing(trigger: "kernel-port-taken", playbook: "free-kernel-port"))
        let freed = try #require(Self.step("free", of: port, in: shipped.grace.output))
        #expect(freed.contains("is free: stopped pid"), "\(freed)")
        let dependency = try await Self.heal(
            shipped, "hang", "seconds=60", into: "store",
            Healing(trigger: "store-down-for-dependents", playbook: "heal-dependency"))
        let output = shipped.grace.output
        // store's own probe and watchdog race api's report: when heal-hung-kernel restarted store first, store
        // answers by the time heal-dependency looks, and its restart is skipped. Either way store was restarted.
        let restart = Self.step("restart-dependency", of: dependency, in: output)
        #expect(
            restart?.contains("restarted store") == true || restart?.contains("step.skipped") == true,
            "\(restart ?? "no restart-dependency step")")
        #expect(Self.step("restart-dependent", of: dependency, in: output)?.contains("step.skipped") == true)
        // A hung store is not a corrupt one: its data stays as it was written.
        #expect(!output.contains { $0.contains("snapshot.restored") }, "\(output.filter { $0.contains("restore") })")
        try await shipped.finish(expecting: [
            Healing(trigger: "kernel-port-taken", playbook: "free-kernel-port"),
            Healing(trigger: "store-down-for-dependents", playbook: "heal-dependency"),
        ])
    }

    /// Whether this machine lets a test mount a file system privately: unshare(1) into a new user and mount
    /// namespace (Debian allows unprivileged user namespaces by default; root needs none).
    static let privateMounts: [String]? = {
        for flags in [["--user", "--map-root-user", "--mount"], ["--mount"]] {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            probe.arguments = flags + ["--", "/bin/sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            guard (try? probe.run()) != nil else { return nil }
            if probe.exitStatus() == 0 { return flags }
        }
        return nil
    }()

    @Test(
        "api's cache file system is full: the cache is purged oldest first and api is healthy again",
        .enabled(if: privateMounts != nil, "needs unshare(1) and a private mount namespace for a small tmpfs"))
    func diskFull() async throws {
        let root = try UpCommandTests.copyOfShippedConfiguration()
        let cache = root.appendingPathComponent("var/demo/api-cache")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let flags = try #require(Self.privateMounts)
        // Grace in a mount namespace of its own, where api's cache is a 16 MiB tmpfs: what Grace, api and the purge
        // helper see, and nothing outside. `exec` keeps Grace's pid, so SIGTERM still reaches it.
        let shipped = try await Shipped(root: root) { root in
            try RunningGrace(
                command: flags + [
                    "--", "/bin/sh", "-c", "mount -t tmpfs -o size=16m tmpfs \"$1\" && shift && exec \"$@\"", "sh",
                    cache.path, GraceBinary.path, "run", "--allow-partial", "--metrics-interval", "1",
                ], in: root, readStandardOutput: false, executable: "/usr/bin/unshare")
        }
        defer { shipped.grace.terminate() }
        let run = try await Self.heal(
            shipped, "fill", "", into: "api", Healing(trigger: "api-disk-full", playbook: "free-disk-space"))
        let purged = try #require(Self.step("purge", of: run, in: shipped.grace.output))
        #expect(purged.contains("purged") && purged.contains("wanted 25%"), "\(purged)")
        try await shipped.finish(expecting: [Healing(trigger: "api-disk-full", playbook: "free-disk-space")])
    }

    /// Injects `fault` into `kernel` and waits until `healing.trigger` started a run of `healing.playbook` and that
    /// run ended; expects it succeeded. Returns the run's id. Prints how long it took from the fault.
    static func heal(
        _ shipped: Shipped, _ fault: String, _ query: String, into kernel: String, _ healing: Healing,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let before = shipped.grace.output.count - 1
        let injected = ContinuousClock.now
        try await shipped.inject(fault, into: kernel, query: query)
        let started = try await shipped.grace.waitFor(
            ["run.started", "playbook=\(healing.playbook)", "trigger=\(healing.trigger)"], after: before,
            sourceLocation: sourceLocation)
        let run = try #require(RunningGrace.field("run", in: started.line), sourceLocation: sourceLocation)
        // The run's end, whichever it is: succeeded, failed or superseded (steps name no playbook).
        let ended = try await shipped.grace.waitFor(
            ["playbook=\(healing.playbook)", "run=\(run) ", "] run."], after: started.index,
            sourceLocation: sourceLocation)
        let steps = shipped.grace.output.filter { $0.contains("run=\(run) ") }
        #expect(
            ended.line.contains("run.succeeded"),
            "\(healing) after \(fault): \(ended.line)\n\(steps.joined(separator: "\n"))",
            sourceLocation: sourceLocation)
        print("healed \(fault) on \(kernel) by \(healing) in \(ContinuousClock.now - injected)")
        return run
    }

    /// The last log line about step `name` of run `run` (started, succeeded, failed or skipped).
    static func step(_ name: String, of run: String, in output: [String]) -> String? {
        output.last { $0.contains("name=\(name) ") && $0.contains("run=\(run) ") }
    }
}

extension HealingScenarioTests.Shipped {
    /// Ends Grace, checks its journal verifies, and that it holds, for each healing, a run its trigger started and
    /// that succeeded.
    func finish(expecting healings: [DrillPlaybookTests.Healing]) async throws {
        let status = await grace.stop()
        #expect(status == 0, "\(grace.output.suffix(30).joined(separator: "\n"))")
        let shown = try await GraceBinary.run(
            ["journal", "show", "--kind", "run.started", "--kind", "run.succeeded", "--limit", "100000", "--json"],
            in: root)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [[String: Any]])
        let fields = entries.compactMap { entry -> (kind: String, fields: [String: String])? in
            guard let kind = entry["kind"] as? String, let fields = entry["fields"] as? [String: String] else {
                return nil
            }
            return (kind, fields)
        }
        let succeeded = Set(fields.filter { $0.kind == "run.succeeded" }.compactMap { $0.fields["run"] })
        for healing in healings {
            let runs = fields.filter {
                $0.kind == "run.started" && $0.fields["trigger"] == healing.trigger
                    && $0.fields["playbook"] == healing.playbook
            }.compactMap { $0.fields["run"] }
            #expect(runs.contains(where: succeeded.contains), "the journal has no successful run for \(healing)")
        }
        let verify = try await GraceBinary.run(["journal", "verify"], in: root)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        try? FileManager.default.removeItem(at: root)
    }
}
