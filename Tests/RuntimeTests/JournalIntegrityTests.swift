import Foundation
import GRDB
import Interpreter
import Logging
import Testing

@testable import Runtime

/// What the journal promises beyond a single append: tampering of any kind shows (deletion, truncation of the end,
/// rewriting), a full disk degrades Grace instead of losing events, and an observer that falls far behind catches
/// up from the journal instead of missing entries.
@Suite("Journal integrity", .timeLimit(.minutes(1)))
struct JournalIntegrityTests {
    static func withStore(_ body: (StateStore, String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grace-journal-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("grace.sqlite").path
        try body(try StateStore(path: path), path)
    }

    static func append(_ store: StateStore, count: Int) throws {
        for i in 1...count {
            try store.append(JournalEvent(kind: "kernel.started", kernel: "api", fields: ["pid": "\(i)"]))
        }
    }

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    // MARK: - Tampering

    @Test("a deleted entry in the middle shows")
    func deletionShows() throws {
        try Self.withStore { store, path in
            try Self.append(store, count: 8)
            try DatabaseQueue(path: path).write { db in
                try db.execute(sql: "DROP TRIGGER journal_refuses_delete")
                try db.execute(sql: "DELETE FROM journal WHERE id = 4")
            }
            #expect(try store.verify() == .broken(id: 4, reason: "entry 4 is missing: deleted from the journal"))
        }
    }

    @Test("entries removed from the end show, which the chain alone cannot tell")
    func truncationShows() throws {
        try Self.withStore { store, path in
            try Self.append(store, count: 8)
            #expect(store.headAnchor() == .head(id: 8, hash: try #require(try store.lastEntry()).hash))
            try DatabaseQueue(path: path).write { db in
                try db.execute(sql: "DROP TRIGGER journal_refuses_delete")
                try db.execute(sql: "DELETE FROM journal WHERE id > 5")
            }
            guard case .broken(let id, let reason) = try store.verify() else {
                Issue.record("truncation not detected")
                return
            }
            #expect(id == 6)
            #expect(reason.contains("entries 6...8 are missing from the end"))
            let mismatch = try #require(try store.headAnchorMismatch())
            #expect(mismatch.anchorID == 8 && mismatch.headID == 5)
        }
    }

    @Test("a chain rewritten from one entry on, every hash recomputed, shows")
    func rewriteShows() throws {
        try Self.withStore { store, path in
            try Self.append(store, count: 6)
            // The forger changes entry 4 and recomputes its hash and every later link: the chain verifies...
            let raw = try DatabaseQueue(path: path)
            try raw.write { db in
                try db.execute(sql: "DROP TRIGGER journal_refuses_update")
                var previous = try String.fetchOne(db, sql: "SELECT hash FROM journal WHERE id = 3") ?? ""
                for id in Int64(4)...6 {
                    let row = try #require(
                        try Row.fetchOne(
                            db, sql: "SELECT time, kind, kernel FROM journal WHERE id = ?", arguments: [id]))
                    let fields = ["pid": id == 4 ? "666" : "\(id)"]
                    let hash = JournalChain.hash(
                        previousHash: previous, id: id, timeMilliseconds: row["time"], kind: row["kind"],
                        kernel: row["kernel"], fields: fields)
                    try db.execute(
                        sql: "UPDATE journal SET fields = ?, previous_hash = ?, hash = ? WHERE id = ?",
                        arguments: [JournalRow.encodeFields(fields), previous, hash, id])
                    previous = hash
                }
            }
            // ...but its head is not the one recorded outside the database.
            guard case .broken(let id, let reason) = try store.verify() else {
                Issue.record("rewrite not detected")
                return
            }
            #expect(id == 6)
            #expect(reason.contains("rewritten"))
        }
    }

    @Test("an intact journal agrees with its anchor, and a store without one verifies as before")
    func anchorAgrees() throws {
        try Self.withStore { store, path in
            try Self.append(store, count: 3)
            #expect(try store.verify() == .intact(entries: 3))
            #expect(try store.headAnchorMismatch() == nil)
            try FileManager.default.removeItem(
                atPath: URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("journal.head")
                    .path)
            #expect(store.headAnchor() == .missing)
            #expect(try store.verify() == .intact(entries: 3))
        }
    }

    @Test("a torn or foreign anchor file is unreadable, never a head")
    func tornAnchor() throws {
        try Self.withStore { store, path in
            try Self.append(store, count: 2)
            let anchor = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("journal.head")
            var text = try String(contentsOf: anchor, encoding: .utf8)
            text = text.replacingOccurrences(of: " 2 ", with: " 9 ")
            try text.write(to: anchor, atomically: true, encoding: .utf8)
            #expect(store.headAnchor() == .unreadable, "the checksum no longer matches")
        }
    }

    // MARK: - A journal that cannot be written

    @Test("a full disk degrades the journal; nothing is lost, and it is all written in order once there is room")
    func fullDiskDegrades() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grace-full-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StateStore(path: directory.appendingPathComponent("grace.sqlite").path)
        let hub = ObservationHub()
        let observed = hub.subscribe()
        let journal = Journal(store: store, hub: hub, logger: Self.logger, retryInterval: .seconds(3600))
        let first = try #require(journal.append(.kernelStarted(kernel: "api", pid: 1)))

        try store.simulateFullDisk(true)
        let big = String(repeating: "x", count: 200_000)
        #expect(journal.append(.kernelSpawnFailed(kernel: "api", reason: big)) == nil)
        #expect(!journal.isWritable)
        #expect(journal.append(.kernelStarted(kernel: "api", pid: 2)) == nil, "later events wait behind the first")
        #expect(journal.pendingCount == 2)
        #expect(try store.count() == 1)
        #expect(!journal.retryPending(), "still full")

        try store.simulateFullDisk(false)
        #expect(journal.retryPending())
        #expect(journal.isWritable && journal.pendingCount == 0)
        let entries = try store.events(after: first.id, limit: 10)
        #expect(entries.map(\.kind) == ["kernel.spawn_failed", "kernel.started", "grace.journal_recovered"])
        #expect(entries[2].fields["lost"] == "0")
        #expect(try store.verify() == .intact(entries: 4))
        // Published only once on disk, in order.
        var kinds: [String] = []
        for await observation in observed {
            if case .journal(let entry) = observation { kinds.append(entry.kind) }
            if kinds.count == 4 { break }
        }
        #expect(kinds == ["kernel.started", "kernel.spawn_failed", "kernel.started", "grace.journal_recovered"])
    }

    @Test("a degraded journal writes on its own once it can")
    func retriesByItself() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grace-full-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StateStore(path: directory.appendingPathComponent("grace.sqlite").path)
        let journal = Journal(
            store: store, hub: ObservationHub(), logger: Self.logger, retryInterval: .milliseconds(20))
        try store.simulateFullDisk(true)
        #expect(
            journal.append(.kernelSpawnFailed(kernel: "api", reason: String(repeating: "y", count: 200_000))) == nil)
        try store.simulateFullDisk(false)
        let recovered = await journal.waitForEntry(kind: .graceJournalRecovered)
        #expect(Int(recovered.fields["outage_ms"] ?? "") != nil)
        #expect(journal.isWritable)
    }

    @Test("past its bound, a degraded journal drops the oldest events and says how many")
    func boundedWhileDegraded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grace-full-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StateStore(path: directory.appendingPathComponent("grace.sqlite").path)
        let journal = Journal(
            store: store, hub: ObservationHub(), logger: Self.logger, pendingLimit: 3, retryInterval: .seconds(3600))
        try store.simulateFullDisk(true)
        _ = journal.append(.kernelSpawnFailed(kernel: "api", reason: String(repeating: "z", count: 200_000)))
        for pid in Int32(1)...4 { _ = journal.append(.kernelStarted(kernel: "api", pid: pid)) }
        #expect(journal.pendingCount == 3)
        try store.simulateFullDisk(false)
        #expect(journal.retryPending())
        let entries = try store.events(limit: 10)
        #expect(entries.map { $0.fields["pid"] ?? "" }.prefix(3) == ["2", "3", "4"])
        #expect(entries.last?.fields["lost"] == "2")
    }

    // MARK: - An observer far behind

    @Test("an observer that falls far behind catches up from the journal and misses nothing")
    func observerCatchesUp() async throws {
        let store = try StateStore.inMemoryForTesting()
        let hub = ObservationHub()
        let stream = hub.subscribe(buffer: 10, journalBuffer: 16)
        let journal = Journal(store: store, hub: hub, logger: Self.logger)
        for pid in Int32(1)...500 {
            journal.append(.kernelStarted(kernel: "api", pid: pid))
            hub.publish(.heartbeat(kernel: "api"))
        }
        var ids: [Int64] = []
        for await observation in stream {
            if case .journal(let entry) = observation { ids.append(entry.id) }
            if ids.count == 500 { break }
        }
        #expect(ids == Array(1...500))
        #expect(stream.catchUps >= 1)
        #expect(stream.dropped > 0, "heartbeats are dropped, entries are not")
    }
}
