import Foundation
import GRDB
import Interpreter
import Runtime
import Testing

/// The durable state layer: the hash-chained journal, kernel records and restart history, on real files.
@Suite("State store")
struct StateStoreTests {
    // MARK: - Journal

    @Test("appended events read back exactly as they were written")
    func roundTrip() throws {
        try withStore { store, _ in
            let time = Date(timeIntervalSince1970: 1_700_000_000.123)
            let started = try store.append(
                JournalEvent(kind: "kernel.started", kernel: "api", fields: ["pid": "4242", "pgid": "4242"]), at: time)
            let rest = try store.append(
                [
                    JournalEvent(kind: "kernel.exited", kernel: "api", fields: ["pid": "4242", "signal": "SIGKILL"]),
                    JournalEvent(kind: "grace.started", fields: ["version": "0.1.0", "path": "/a b/ü \"q\""]),
                ], at: time.addingTimeInterval(1))
            #expect(started.id == 1)
            #expect(started.previousHash == String(repeating: "0", count: 64))
            #expect(started.hash.count == 64)
            #expect(rest.map(\.id) == [2, 3])
            #expect(rest[0].previousHash == started.hash)
            #expect(rest[1].previousHash == rest[0].hash)

            let all = try store.events()
            #expect(all == [started] + rest)
            #expect(all[0].time == Date(timeIntervalSince1970: 1_700_000_000.123))
            #expect(try store.events(after: 1) == rest)
            #expect(try store.events(limit: 1) == [started])
            #expect(try store.events(kernel: "api").map(\.id) == [1, 2])
            #expect(try store.events(kinds: ["grace.started", "kernel.exited"]).map(\.id) == [2, 3])
            #expect(try store.events(kernel: "api", kinds: ["kernel.started"]).map(\.id) == [1])
            #expect(try store.events(kinds: []).isEmpty)
            #expect(try store.lastEntry() == rest[1])
            #expect(try store.count() == 3)
            #expect(try store.append([]).isEmpty)
        }
    }

    @Test("times are integer milliseconds on disk, and the database is in WAL mode")
    func storageFormat() throws {
        try withStore { store, path in
            try store.append(JournalEvent(kind: "grace.started"))
            try store.save(KernelRecord(name: "api", state: "running", startedAt: Date()))
            let raw = try DatabaseQueue(path: path)
            let found = try raw.read { db -> [String?] in
                [
                    try String.fetchOne(db, sql: "SELECT typeof(time) FROM journal"),
                    try String.fetchOne(db, sql: "SELECT typeof(started_at) FROM kernel"),
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                ]
            }
            #expect(found == ["integer", "integer", "wal"])
        }
    }

    @Test("a fresh journal verifies, empty or not")
    func chainVerifies() throws {
        try withStore { store, _ in
            #expect(try store.verify() == .intact(entries: 0))
            for i in 0..<40 {
                try store.append(JournalEvent(kind: "kernel.started", kernel: "k\(i % 3)", fields: ["pid": "\(i)"]))
            }
            try store.append((0..<10).map { JournalEvent(kind: "probe.failed", fields: ["n": "\($0)"]) })
            #expect(try store.verify() == .intact(entries: 50))
        }
    }

    @Test("the hash is unambiguous: moved bytes and a missing versus empty kernel hash differently")
    func canonicalEncoding() throws {
        let time = Date(timeIntervalSince1970: 1_000)
        func hash(_ event: JournalEvent) throws -> String {
            try StateStore.inMemoryForTesting().append(event, at: time).hash
        }
        let a = try hash(JournalEvent(kind: "k", fields: ["a": "bc"]))
        let b = try hash(JournalEvent(kind: "k", fields: ["ab": "c"]))
        let c = try hash(JournalEvent(kind: "k", kernel: nil))
        let d = try hash(JournalEvent(kind: "k", kernel: ""))
        let e = try hash(JournalEvent(kind: "k", fields: ["x": "1", "y": "2"]))
        let f = try hash(JournalEvent(kind: "k", fields: ["y": "2", "x": "1"]))
        #expect(a != b)
        #expect(c != d)
        #expect(e == f)
    }

    @Test("the journal refuses updates and deletes")
    func triggersProtect() throws {
        try withStore { store, path in
            try appendSample(store, count: 5)
            let raw = try DatabaseQueue(path: path)
            #expect(throws: DatabaseError.self) {
                try raw.write { try $0.execute(sql: "UPDATE journal SET kind = 'forged' WHERE id = 3") }
            }
            #expect(throws: DatabaseError.self) {
                try raw.write { try $0.execute(sql: "DELETE FROM journal WHERE id = 3") }
            }
            #expect(try store.verify() == .intact(entries: 5))
        }
    }

    @Test(
        "a changed entry is reported by verify at its id",
        arguments: [
            "UPDATE journal SET kind = 'forged' WHERE id = 4",
            "UPDATE journal SET fields = '{\"pid\":\"666\"}' WHERE id = 4",
            "UPDATE journal SET time = time + 1 WHERE id = 4",
            "UPDATE journal SET kernel = NULL WHERE id = 4",
            "UPDATE journal SET hash = '\(String(repeating: "f", count: 64))' WHERE id = 4",
        ])
    func updateDetected(tampering: String) throws {
        try withStore { store, path in
            try appendSample(store, count: 8)
            let raw = try DatabaseQueue(path: path)
            try raw.write { db in
                try db.execute(sql: "DROP TRIGGER journal_refuses_update")
                try db.execute(sql: tampering)
            }
            guard case .broken(let id, let reason) = try store.verify() else {
                Issue.record("tampering with \(tampering) not detected")
                return
            }
            #expect(id == 4)
            #expect(!reason.isEmpty)
        }
    }

    @Test("a rewritten hash breaks the link of the next entry")
    func relinkDetected() throws {
        try withStore { store, path in
            try appendSample(store, count: 6)
            let raw = try DatabaseQueue(path: path)
            try raw.write { db in
                try db.execute(sql: "DROP TRIGGER journal_refuses_update")
                // A forger who recomputes entry 6's hash correctly still has to rewrite every later link.
                let forged = String(repeating: "1", count: 64)
                try db.execute(sql: "UPDATE journal SET previous_hash = ? WHERE id = 6", arguments: [forged])
            }
            #expect(try store.verify() == .broken(id: 6, reason: "previous hash does not match the hash of entry 5"))
        }
    }

    @Test("a deleted entry is reported by verify", arguments: [1, 5])
    func deleteDetected(deleted: Int) throws {
        try withStore { store, path in
            try appendSample(store, count: 8)
            let raw = try DatabaseQueue(path: path)
            try raw.write { db in
                try db.execute(sql: "DROP TRIGGER journal_refuses_delete")
                try db.execute(sql: "DELETE FROM journal WHERE id = ?", arguments: [deleted])
            }
            guard case .broken(let id, let reason) = try store.verify() else {
                Issue.record("deletion of entry \(deleted) not detected")
                return
            }
            #expect(id == Int64(deleted))
            #expect(reason.contains("missing"))
        }
    }

    @Test("fields that are not JSON are a thrown error when read and a broken entry when verified")
    func corruptFields() throws {
        try withStore { store, path in
            try appendSample(store, count: 3)
            let raw = try DatabaseQueue(path: path)
            try raw.write { db in
                try db.execute(sql: "DROP TRIGGER journal_refuses_update")
                try db.execute(sql: "UPDATE journal SET fields = 'not json' WHERE id = 2")
            }
            #expect(throws: StateStoreError.corruptEntry(id: 2, reason: "fields are not a JSON object of strings")) {
                try store.events()
            }
            guard case .broken(let id, _) = try store.verify() else {
                Issue.record("corrupt fields not reported")
                return
            }
            #expect(id == 2)
        }
    }

    @Test("the journal survives reopening and the chain goes on")
    func persistence() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nested/state/grace.sqlite").path
        let before: [JournalEntry]
        do {
            let store = try StateStore(path: path)
            #expect(store.path == path)
            try appendSample(store, count: 3)
            before = try store.events()
        }
        let reopened = try StateStore(path: path)
        #expect(try reopened.events() == before)
        let next = try reopened.append(JournalEvent(kind: "grace.started"))
        #expect(next.id == 4)
        #expect(next.previousHash == before.last?.hash)
        #expect(try reopened.verify() == .intact(entries: 4))
    }

    @Test("concurrent appends from many tasks keep one valid chain")
    func concurrentAppends() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StateStore(path: directory.appendingPathComponent("grace.sqlite").path)
        let tasks = 8
        let perTask = 50
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    for i in 0..<perTask {
                        if i % 10 == 0 {
                            try store.append([
                                JournalEvent(kind: "batch.a", kernel: "k\(t)"),
                                JournalEvent(kind: "batch.b", kernel: "k\(t)"),
                            ])
                        } else {
                            try store.append(
                                JournalEvent(kind: "kernel.started", kernel: "k\(t)", fields: ["i": "\(i)"]))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let expected = tasks * (perTask + perTask / 10)
        #expect(try store.count() == expected)
        #expect(try store.verify() == .intact(entries: expected))
        // Each batch landed as two consecutive entries.
        let batches = try store.events(limit: expected, kinds: ["batch.a", "batch.b"])
        #expect(batches.count == tasks * (perTask / 10) * 2)
        for pair in stride(from: 0, to: batches.count, by: 2) {
            #expect(batches[pair + 1].id == batches[pair].id + 1)
            #expect(batches[pair + 1].kernel == batches[pair].kernel)
        }
    }

    @Test("append cost, printed (no assertion on time)")
    func appendCost() throws {
        try withStore { store, _ in
            let event = JournalEvent(
                kind: "kernel.exited", kernel: "api", fields: ["pid": "4242", "code": "0", "signal": "SIGKILL"])
            for _ in 0..<50 { try store.append(event) }  // warm up: statements cached, pages in memory
            let count = 2_000
            // Wall time suffers from whatever else the machine runs; the CPU time of this thread (GRDB runs a
            // synchronous write on the calling thread) does not.
            let single = try measure {
                for _ in 0..<count { try store.append(event) }
            }
            let batched = try measure {
                for _ in 0..<(count / 10) { try store.append(Array(repeating: event, count: 10)) }
            }
            let verified = try measure { _ = try store.verify() }
            func line(_ what: String, _ cost: (wall: Double, cpu: Double), per n: Int) -> String {
                let (wall, cpu) = (cost.wall * 1e6 / Double(n), cost.cpu * 1e6 / Double(n))
                return "\(what): " + String(format: "%.1f µs wall, %.1f µs CPU", wall, cpu)
            }
            print("StateStore cost per event:")
            print("  " + line("append, one committed transaction each", single, per: count))
            print("  " + line("append in batches of 10", batched, per: count))
            print("  " + line("verify", verified, per: 50 + 2 * count))
            #expect(try store.verify() == .intact(entries: 50 + 2 * count))
        }
    }

    @Test("an in-memory store works like a file")
    func inMemory() throws {
        let store = try StateStore.inMemoryForTesting()
        try appendSample(store, count: 4)
        #expect(try store.verify() == .intact(entries: 4))
        try store.save(KernelRecord(name: "api", state: "running"))
        #expect(try store.kernelRecords().map(\.name) == ["api"])
    }

    // MARK: - Kernels and restarts

    @Test("kernel records are saved, replaced and removed")
    func kernelRecords() throws {
        try withStore { store, path in
            let started = Date(timeIntervalSince1970: 1_700_000_000.5)
            var api = KernelRecord(
                name: "api", state: "running", pid: 4242, processGroup: 4242, startedAt: started, restarts: 2,
                lastExit: "killed by SIGKILL", specHash: "abc123")
            try store.save(api)
            try store.save(KernelRecord(name: "store", state: "stopped"))
            #expect(try store.kernelRecords() == [api, KernelRecord(name: "store", state: "stopped")])

            api.state = "backing_off"
            api.pid = nil
            api.restarts = 3
            try store.save(api)
            #expect(try store.kernelRecords().first == api)

            try store.removeKernelRecord("store")
            try store.removeKernelRecord("never-there")
            #expect(try StateStore(path: path).kernelRecords() == [api])
        }
    }

    @Test("restarts are kept per kernel; the latest come back, oldest first")
    func restartHistory() throws {
        try withStore { store, _ in
            let base = Date(timeIntervalSince1970: 1_700_000_000)
            for i in 0..<5 {
                try store.record(
                    RestartRecord(
                        kernel: "api", time: base.addingTimeInterval(Double(i)), reason: "exited \(i)",
                        delayMilliseconds: Int64(100 << i)))
            }
            try store.record(RestartRecord(kernel: "store", time: base, reason: "killed", delayMilliseconds: 0))
            let all = try store.restarts(kernel: "api")
            #expect(all.map(\.reason) == (0..<5).map { "exited \($0)" })
            #expect(all.first == RestartRecord(kernel: "api", time: base, reason: "exited 0", delayMilliseconds: 100))
            #expect(try store.restarts(kernel: "api", limit: 2).map(\.reason) == ["exited 3", "exited 4"])
            #expect(try store.restarts(kernel: "store").count == 1)
            #expect(try store.restarts(kernel: "nobody").isEmpty)
        }
    }

    // MARK: - Bad files

    @Test("a file that is not a database is a clear thrown error")
    func garbageFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("grace.sqlite").path
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })
        try garbage.write(to: URL(fileURLWithPath: path))
        do {
            _ = try StateStore(path: path)
            Issue.record("opening a garbage file did not throw")
        } catch let error as StateStoreError {
            guard case .cannotOpen(let failedPath, let reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(failedPath == path)
            #expect(reason.contains("not a database"))
            #expect(error.description.contains(path))
        }
    }

    @Test("a state directory that cannot be created is a thrown error")
    func uncreatableDirectory() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        #expect(throws: StateStoreError.self) {
            try StateStore(path: file.appendingPathComponent("sub/grace.sqlite").path)
        }
    }
}

// MARK: - Helpers

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("grace-state-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs `body` with a store on a fresh file in a temporary directory, removed afterwards.
private func withStore(_ body: (StateStore, String) throws -> Void) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("grace.sqlite").path
    try body(try StateStore(path: path), path)
}

/// Wall-clock and this thread's CPU seconds spent in `body`.
private func measure(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    func now(_ clock: clockid_t) -> Double {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
    let (wall, cpu) = (now(CLOCK_MONOTONIC), now(CLOCK_THREAD_CPUTIME_ID))
    try body()
    return (now(CLOCK_MONOTONIC) - wall, now(CLOCK_THREAD_CPUTIME_ID) - cpu)
}

private func appendSample(_ store: StateStore, count: Int) throws {
    for i in 1...count {
        try store.append(
            JournalEvent(kind: i % 2 == 0 ? "kernel.exited" : "kernel.started", kernel: "api", fields: ["pid": "\(i)"]))
    }
}
