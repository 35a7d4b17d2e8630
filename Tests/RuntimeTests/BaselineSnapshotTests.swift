import Foundation
import GraceDSL
import Interpreter
import Testing

@testable import Runtime

/// A kernel with `data` gets a good baseline snapshot as soon as it is first healthy, so that a restore has
/// something to restore before the first scheduled round (tried by hand: corrupt data a minute after start had no
/// snapshot to go back to). Real processes and a real snapshot store; every wait is on a journal event.
@Suite("Baseline snapshots", .timeLimit(.minutes(5)))
struct BaselineSnapshotTests {
    @Test("first healthy: one good baseline of a kernel with data, none for one without, none again after a restart")
    func baselineOnFirstHealthy() async throws {
        let h = try SupervisorTests.harness(
            SupervisorTests.kernel("db", "exec sleep 1000", extra: "data: [data/db]") + "\n---\n"
                + SupervisorTests.kernel("plain", "exec sleep 1000"))
        defer { try? FileManager.default.removeItem(at: h.directory) }
        let data = h.directory.appendingPathComponent("data/db")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data("rows".utf8).write(to: data.appendingPathComponent("rows.txt"))
        let store = try SnapshotStore(directory: h.directory.appendingPathComponent("snapshots"))
        let snapshotter = Snapshotter(store: store, supervisor: h.supervisor, environment: h.environment)
        let watching = Task { await snapshotter.takeBaselines() }
        defer { watching.cancel() }

        await h.supervisor.boot()
        let created = try await h.journal.requireEntry(kind: .snapshotCreated, kernel: "db")
        #expect(created.fields["reason"] == "baseline")
        #expect(created.fields["good"] == "true")
        let baseline = try #require(try store.list(kernel: "db").first)
        #expect(baseline.tag == "baseline" && baseline.good)
        #expect(try store.resolve(kernel: "db", reference: "last_good").id == baseline.id)

        // Restarted, and ready again: it has its baseline, so no second one.
        let ready = try await h.journal.requireEntry(kind: .kernelReady, kernel: "db")
        await h.supervisor.restart("db", origin: .api, reason: "test")
        _ = try await h.journal.requireEntry(kind: .kernelReady, kernel: "db", after: ready.id)
        await snapshotter.takeBaseline(of: "db")
        await snapshotter.takeBaseline(of: "plain")
        #expect(try store.list(kernel: "db").count == 1)
        #expect(try store.list(kernel: "plain").isEmpty)
        await h.supervisor.shutdown()
    }

    @Test("a kernel not healthy yet gets no baseline: its data may be what makes it unhealthy")
    func noBaselineWhileUnhealthy() async throws {
        let h = try SupervisorTests.harness(
            SupervisorTests.kernel(
                "db", "exec sleep 1000",
                extra: "data: [data/db]\nhealth: {exec: [/bin/false], every: 1h, failures: 1, start_period: 1h}"))
        defer { try? FileManager.default.removeItem(at: h.directory) }
        try FileManager.default.createDirectory(
            at: h.directory.appendingPathComponent("data/db"), withIntermediateDirectories: true)
        let store = try SnapshotStore(directory: h.directory.appendingPathComponent("snapshots"))
        let snapshotter = Snapshotter(store: store, supervisor: h.supervisor, environment: h.environment)
        await h.supervisor.boot()
        _ = try await h.journal.requireEntry(kind: .kernelReady, kernel: "db")
        await snapshotter.takeBaseline(of: "db")
        #expect(try store.list(kernel: "db").isEmpty)
        await h.supervisor.shutdown()
    }
}
