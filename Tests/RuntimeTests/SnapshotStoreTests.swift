import Foundation
import Interpreter
import Testing

@testable import Runtime

/// The content-addressed snapshot store, on real files in temporary directories.
@Suite("Snapshot store")
struct SnapshotStoreTests {
    // MARK: - Taking and finding snapshots

    @Test("snapshots are listed oldest first and resolved by latest, last_good, id and id prefix")
    func createListResolve() throws {
        try withFixture { f in
            try f.write("var/api/state.json", "{\"n\": 1}")
            try f.write("var/api/logs/a.log", "line\n", mode: 0o600)
            let first = try f.store.create(
                kernel: "api", root: f.root, paths: ["var/api"], tag: "boot", good: true, time: f.time("10:15:12.345"))
            try f.write("var/api/state.json", "{\"n\": 2}")
            let second = try f.store.create(
                kernel: "api", root: f.root, paths: ["var/api"], tag: nil, good: false, time: f.time("10:20:00"))
            let other = try f.store.create(
                kernel: "db", root: f.root, paths: ["var/db"], tag: nil, good: true, time: f.time("10:17:00"))

            #expect(first.id.hasPrefix("20261126T101512Z-"))
            #expect(first.files.map(\.path) == ["var/api/logs/a.log", "var/api/state.json"])
            #expect(first.files[0].mode == 0o600)
            #expect(first.files[1].size == 8)
            #expect(first.paths == ["var/api"])
            #expect(other.files.isEmpty, "a data path that does not exist is an empty snapshot, not an error")

            #expect(try f.store.list(kernel: "api") == [first, second])
            #expect(try f.store.list(kernel: nil).map(\.id) == [first.id, other.id, second.id])
            #expect(try f.store.manifest(first.id) == first)
            #expect(try f.store.resolve(kernel: "api", reference: "latest") == second)
            #expect(try f.store.resolve(kernel: "api", reference: "last_good") == first)
            #expect(try f.store.resolve(kernel: "api", reference: first.id) == first)
            #expect(try f.store.resolve(kernel: "api", reference: String(first.id.suffix(8).prefix(6))) == first)
            #expect(try f.store.resolve(kernel: "api", reference: "20261126T1020") == second)
            #expect(throws: SnapshotError.wrongKernel(id: other.id, kernel: "db", expected: "api")) {
                try f.store.resolve(kernel: "api", reference: other.id)
            }
            #expect(throws: SnapshotError.noSnapshot(kernel: "web", reference: "last_good")) {
                try f.store.resolve(kernel: "web", reference: "last_good")
            }
            #expect(throws: SnapshotError.notFound("nope")) { try f.store.resolve(kernel: "api", reference: "nope") }
            #expect(throws: SnapshotError.self) { try f.store.resolve(kernel: "api", reference: "20261126T10") }
        }
    }

    @Test("the same content snapshotted twice adds no chunks")
    func dedup() throws {
        try withFixture { f in
            try f.write("data/a.bin", f.random(300_000, seed: 1))
            try f.write("data/copy-of-a.bin", f.random(300_000, seed: 1))
            try f.store.create(kernel: "api", root: f.root, paths: ["data"], tag: nil, good: true)
            let after = try f.store.chunks.contents().chunks.count
            #expect(after == 1, "two files with the same bytes share one chunk")
            try f.store.create(kernel: "api", root: f.root, paths: ["data"], tag: nil, good: true)
            try f.store.create(kernel: "db", root: f.root, paths: ["data"], tag: nil, good: true)
            #expect(try f.store.chunks.contents().chunks.count == after)
            #expect(try f.store.list().count == 3)
        }
    }

    @Test("a 3 MiB file spans four 1 MiB chunks, the last one partial")
    func largeFile() throws {
        try withFixture { f in
            let bytes = f.random(3 * SnapshotStore.chunkSize + 17, seed: 7)
            try f.write("data/big.bin", bytes)
            try f.write("data/exact.bin", f.random(SnapshotStore.chunkSize, seed: 8))
            try f.write("data/empty", [])
            let manifest = try f.store.create(kernel: "api", root: f.root, paths: ["data"], tag: nil, good: true)
            let big = try #require(manifest.files.first { $0.path == "data/big.bin" })
            #expect(big.size == UInt64(bytes.count))
            #expect(big.chunks.count == 4)
            #expect(Set(big.chunks).count == 4)
            #expect(manifest.files.first { $0.path == "data/exact.bin" }?.chunks.count == 1)
            #expect(manifest.files.first { $0.path == "data/empty" }?.chunks == [])
            #expect(try f.store.verify(manifest.id) == .intact(files: 3, bytes: UInt64(bytes.count + (1 << 20))))
        }
    }

    @Test("symbolic links and special files are noted as skipped, never followed")
    func skipsLinks() throws {
        try withFixture { f in
            try f.write("outside/secret", "do not copy")
            try f.write("data/real", "real")
            try FileManager.default.createSymbolicLink(
                atPath: f.path("data/link"), withDestinationPath: f.path("outside"))
            #expect(mkfifo(f.path("data/pipe"), 0o600) == 0)
            let manifest = try f.store.create(kernel: "api", root: f.root, paths: ["data"], tag: nil, good: true)
            #expect(manifest.files.map(\.path) == ["data/real"])
            #expect(
                manifest.skipped == [.init(path: "data/link", kind: "symlink"), .init(path: "data/pipe", kind: "fifo")])
        }
    }

    @Test("data paths that leave the root are refused")
    func pathEscape() throws {
        try withFixture { f in
            try f.write("outside/secret", "do not copy")
            try f.write("root/data/a", "a")
            let root = f.root.appendingPathComponent("root")
            for path in ["../outside", "data/../../outside", "/etc", f.path("outside"), ".", ""] {
                #expect(throws: SnapshotError.self, "\(path)") {
                    try f.store.create(kernel: "api", root: root, paths: [path], tag: nil, good: true)
                }
            }
            try FileManager.default.createSymbolicLink(
                atPath: f.path("root/data/escape"), withDestinationPath: f.path("outside"))
            #expect(throws: SnapshotError.self) {
                try f.store.create(kernel: "api", root: root, paths: ["data/escape/secret"], tag: nil, good: true)
            }
            let inside = try f.store.create(
                kernel: "api", root: root, paths: [root.path + "/data"], tag: nil, good: true)
            #expect(inside.paths == ["data"])
            #expect(inside.files.map(\.path) == ["data/a"])
        }
    }

    // MARK: - Verification

    @Test("verify reports a missing chunk and a chunk whose content no longer matches its hash")
    func verifyChunks() throws {
        try withFixture { f in
            try f.write("data/a", f.random(2000, seed: 1))
            try f.write("data/b", f.random(2000, seed: 2))
            try f.write("data/c", f.random(2000, seed: 3))
            let manifest = try f.store.create(kernel: "api", root: f.root, paths: ["data"], tag: nil, good: true)
            #expect(try f.store.verify(manifest.id) == .intact(files: 3, bytes: 6000))

            let a = manifest.files[0].chunks[0]
            let b = manifest.files[1].chunks[0]
            try FileManager.default.removeItem(atPath: f.store.chunks.path(a))
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: f.store.chunks.path(b))))
            bytes[1000] ^= 0xff
            try f.replace(f.store.chunks.path(b), with: bytes)

            guard case .damaged(let problems) = try f.store.verify(manifest.id) else {
                Issue.record("damage not detected")
                return
            }
            #expect(problems.count == 2)
            #expect(problems[0].hasPrefix("data/a: chunk \(a.prefix(12)) is missing"))
            #expect(problems[1].hasPrefix("data/b: chunk \(b.prefix(12)) is corrupt"))
        }
    }

    @Test("verifyData detects bytes flipped in the middle of a live data file and passes on intact data")
    func verifyLiveData() throws {
        try withFixture { f in
            let original = f.random(3 * SnapshotStore.chunkSize / 2, seed: 4)
            try f.write("var/db/table.dat", original)
            try f.write("var/db/index.dat", "index")
            let manifest = try f.store.create(kernel: "db", root: f.root, paths: ["var/db"], tag: nil, good: true)
            #expect(
                try f.store.verifyData(kernel: "db", root: f.root, paths: ["var/db"], against: manifest.id)
                    == .intact(files: 2, bytes: UInt64(original.count + 5)))

            var corrupted = original
            for offset in (original.count / 2)..<(original.count / 2 + 8) { corrupted[offset] ^= 0x5a }
            try f.write("var/db/table.dat", corrupted)
            #expect(
                try f.store.verifyData(kernel: "db", root: f.root, paths: ["var/db"], against: manifest.id)
                    == .damaged(["var/db/table.dat: content differs from the snapshot"]))

            try f.write("var/db/table.dat", original)
            try FileManager.default.removeItem(atPath: f.path("var/db/index.dat"))
            try f.write("var/db/new.dat", "new")
            #expect(
                try f.store.verifyData(kernel: "db", root: f.root, paths: ["var/db"], against: manifest.id)
                    == .damaged(["var/db/index.dat: missing", "var/db/new.dat: not in the snapshot"]))
        }
    }

    @Test("a corrupt manifest is a clear error, not a crash, and stops pruning from deleting chunks")
    func corruptManifest() throws {
        try withFixture { f in
            try f.write("data/a", "a")
            let manifest = try f.store.create(kernel: "api", root: f.root, paths: ["data"], tag: nil, good: true)
            let path = f.store.manifestPath(manifest.id)
            try Data("{\"id\": \"\(manifest.id)\", \"kernel\": 3".utf8).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SnapshotError.self) { try f.store.manifest(manifest.id) }
            guard case .corruptManifest(let reported, _) = error else {
                Issue.record("expected corruptManifest, got \(String(describing: error))")
                return
            }
            #expect(reported == path)
            #expect(throws: SnapshotError.self) { try f.store.list(kernel: "api") }
            #expect(throws: SnapshotError.self) {
                try f.store.prune(kernel: "api", keepLast: 0, keepHourly: 0, keepDaily: 0, now: Date())
            }
            #expect(try f.store.chunks.contents().chunks.count == 1)
            let escaping = """
                {"format": 1, "id": "\(manifest.id)", "kernel": "api", "time_ms": 0, "good": true, "paths": ["data"],
                 "files": [{"path": "data/a", "mode": 420, "size": 1, "chunks": ["../../../etc/passwd"]}]}
                """
            try Data(escaping.utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: SnapshotError.self) { try f.store.manifest(manifest.id) }
            #expect(throws: SnapshotError.notFound("../x")) { try f.store.manifest("../x") }
        }
    }

    // MARK: - Restore

    @Test("restore brings the data back byte for byte, with modes, and removes files added since")
    func restore() throws {
        try withFixture { f in
            let big = f.random(2 * SnapshotStore.chunkSize + 5, seed: 9)
            try f.write("var/api/big.bin", big)
            try f.write("var/api/conf/settings", "a=1\n", mode: 0o640)
            try f.write("var/api/empty", [])
            let manifest = try f.store.create(kernel: "api", root: f.root, paths: ["var/api"], tag: nil, good: true)

            var damaged = big
            damaged[big.count / 2] ^= 1
            try f.write("var/api/big.bin", damaged)
            try f.write("var/api/conf/settings", "a=2\n", mode: 0o666)
            try FileManager.default.removeItem(atPath: f.path("var/api/empty"))
            try f.write("var/api/added/since", "new")
            try f.write("var/other", "not the kernel's")

            try f.store.restore(manifest.id, root: f.root)
            #expect(try f.read("var/api/big.bin") == big)
            #expect(try f.read("var/api/conf/settings") == Array("a=1\n".utf8))
            #expect(try f.mode("var/api/conf/settings") == 0o640)
            #expect(try f.read("var/api/empty") == [])
            #expect(!FileManager.default.fileExists(atPath: f.path("var/api/added/since")))
            #expect(try f.read("var/other") == Array("not the kernel's".utf8))
            #expect(try f.leftovers("var/api").isEmpty)
            #expect(
                try f.store.verifyData(kernel: "api", root: f.root, paths: ["var/api"], against: manifest.id).isIntact)
        }
    }

    @Test("a restore that fails while swapping files in puts every file back as it was")
    func restoreRollsBack() throws {
        try withFixture { f in
            try f.write("data/a", "a1")
            try f.write("data/b", "b1")
            try f.write("data/c", "c1")
            let snapshot = try f.store.create(kernel: "api", root: f.root, paths: ["data"], tag: nil, good: true)
            try f.write("data/a", "a2")
            try f.write("data/b", "b2")
            try FileManager.default.removeItem(atPath: f.path("data/c"))
            try f.write("data/d", "d2")

            struct Injected: Error {}
            let store = try SnapshotStore(directory: f.store.directory) { step, path in
                if step == .swap && path == "data/c" { throw Injected() }
            }
            #expect(throws: Injected.self) { try store.restore(snapshot.id, root: f.root) }
            #expect(try f.read("data/a") == Array("a2".utf8))
            #expect(try f.read("data/b") == Array("b2".utf8))
            #expect(!FileManager.default.fileExists(atPath: f.path("data/c")))
            #expect(try f.read("data/d") == Array("d2".utf8))
            #expect(try f.leftovers("data").isEmpty)

            try f.store.restore(snapshot.id, root: f.root)
            #expect(try f.read("data/c") == Array("c1".utf8))
            #expect(!FileManager.default.fileExists(atPath: f.path("data/d")))
        }
    }

    @Test("a restore that cannot write a file, or finds a chunk damaged, changes nothing")
    func restoreFailsBeforeSwap() throws {
        try withFixture { f in
            try f.write("data/a", "a1")
            try f.write("data/sub/z", "z1")
            let snapshot = try f.store.create(kernel: "api", root: f.root, paths: ["data"], tag: nil, good: true)
            try f.write("data/a", "a2")
            try FileManager.default.removeItem(atPath: f.path("data/sub"))
            try f.write("data/sub", "now a file where a directory was")

            #expect(throws: SnapshotError.self) { try f.store.restore(snapshot.id, root: f.root) }
            #expect(try f.read("data/a") == Array("a2".utf8))
            #expect(try f.read("data/sub") == Array("now a file where a directory was".utf8))
            #expect(try f.leftovers("data").isEmpty)

            try FileManager.default.removeItem(atPath: f.path("data/sub"))
            let z = try #require(snapshot.files.first { $0.path == "data/sub/z" }?.chunks.first)
            try f.replace(f.store.chunks.path(z), with: Array("tampered".utf8))
            #expect(throws: SnapshotError.damagedChunk(hash: z, file: "data/sub/z", reason: "corrupt")) {
                try f.store.restore(snapshot.id, root: f.root)
            }
            #expect(try f.read("data/a") == Array("a2".utf8))
            #expect(try f.leftovers("data").isEmpty)
        }
    }

    // MARK: - Retention

    @Test("prune keeps the newest N, the newest per hour and per day, and the last good; unreferenced chunks go")
    func prune() throws {
        try withFixture { f in
            let times = [
                "s1": "2026-11-24T10:00:00Z", "s2": "2026-11-25T09:00:00Z", "s3": "2026-11-25T20:00:00Z",
                "s4": "2026-11-26T09:10:00Z", "s5": "2026-11-26T10:05:00Z", "s6": "2026-11-26T10:40:00Z",
                "s7": "2026-11-26T11:15:00Z", "s8": "2026-11-26T12:05:00Z", "s9": "2026-11-26T12:20:00Z",
            ]
            var ids: [String: String] = [:]
            try f.write("data/shared", "shared by all")
            for name in times.keys.sorted() {
                try f.write("data/own", "content of \(name)")
                ids[name] =
                    try f.store.create(
                        kernel: "api", root: f.root, paths: ["data"], tag: name, good: name == "s2",
                        time: f.date(times[name]!)
                    ).id
            }
            let db = try f.store.create(
                kernel: "db", root: f.root, paths: ["data"], tag: nil, good: false, time: f.date("2026-01-01T00:00:00Z")
            )
            let chunksBefore = try f.store.chunks.contents().chunks.count
            #expect(chunksBefore == 10)
            let debris = f.store.chunks.directory + "/" + DurableFile.temporaryName(for: "interrupted")
            try Data("x".utf8).write(to: URL(fileURLWithPath: debris))

            let removed = try f.store.prune(
                kernel: "api", keepLast: 2, keepHourly: 3, keepDaily: 2, now: f.date("2026-11-26T12:30:00Z"))
            // last 2: s9, s8. Hours 12, 11, 10: s9, s7, s6. Days 26th, 25th: s9, s3. Newest good: s2.
            #expect(removed == ["s1", "s4", "s5"].map { ids[$0]! })
            #expect(try f.store.list(kernel: "api").compactMap(\.tag) == ["s2", "s3", "s6", "s7", "s8", "s9"])
            #expect(try f.store.list(kernel: "db") == [db])
            #expect(try f.store.chunks.contents().chunks.count == chunksBefore - 3)
            #expect(!FileManager.default.fileExists(atPath: debris))
            for manifest in try f.store.list() { #expect(try f.store.verify(manifest.id).isIntact) }
        }
    }

    @Test("retention keeps snapshots dated after now, and one per bucket however many share it")
    func retentionRules() {
        func manifest(_ id: String, _ seconds: TimeInterval, good: Bool = false) -> SnapshotManifest {
            SnapshotManifest(
                id: id, kernel: "k", time: Date(timeIntervalSince1970: seconds), tag: nil, paths: [], files: [],
                good: good)
        }
        let now = Date(timeIntervalSince1970: 100 * 86400 + 3600 * 5 + 1800)
        let all = [
            manifest("future", now.timeIntervalSince1970 + 60),
            manifest("h5-late", now.timeIntervalSince1970 - 60),
            manifest("h5-early", now.timeIntervalSince1970 - 1200),
            manifest("h4", now.timeIntervalSince1970 - 3600),
            manifest("old", 0),
        ]
        #expect(SnapshotRetention(last: 0, hourly: 0, daily: 0).kept(all, now: now) == ["future"])
        #expect(SnapshotRetention(last: 0, hourly: 1, daily: 0).kept(all, now: now) == ["future", "h5-late"])
        #expect(SnapshotRetention(last: 0, hourly: 2, daily: 0).kept(all, now: now) == ["future", "h5-late", "h4"])
        #expect(SnapshotRetention(last: 0, hourly: 0, daily: 1).kept(all, now: now) == ["future", "h5-late"])
        #expect(
            SnapshotRetention(last: 3, hourly: 0, daily: 0).kept(all, now: now) == ["future", "h5-late", "h5-early"])
    }

    // MARK: - Concurrency

    @Test("two kernels snapshotted at the same time both get complete snapshots")
    func concurrentSnapshots() async throws {
        try await withFixture { f in
            for i in 0..<8 {
                try f.write("a/file\(i)", f.random(200_000, seed: UInt64(i)))
                try f.write("b/file\(i)", f.random(200_000, seed: UInt64(i % 4)))
            }
            let store = f.store
            let root = f.root
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for (kernel, path) in [("a", "a"), ("b", "b"), ("a", "a"), ("b", "b")] {
                    group.addTask {
                        try store.create(kernel: kernel, root: root, paths: [path], tag: nil, good: true).id
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(ids).count >= 2)
            for id in ids { #expect(try store.verify(id) == .intact(files: 8, bytes: 1_600_000)) }
            #expect(try store.chunks.contents().chunks.count == 8)
        }
    }
}

// MARK: - Fixture

/// A temporary directory as configuration root, with the store in `var/grace/snapshots` under it.
private struct Fixture: Sendable {
    let root: URL
    let store: SnapshotStore

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws {
        try write(relative, Array(text.utf8), mode: mode)
    }

    func write(_ relative: String, _ bytes: [UInt8], mode: Int = 0o644) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }

    /// Replaces a file the store made read-only.
    func replace(_ path: String, with bytes: [UInt8]) throws {
        try FileManager.default.removeItem(atPath: path)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func read(_ relative: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: root.appendingPathComponent(relative)))
    }

    func mode(_ relative: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path(relative))[.posixPermissions] as? Int) ?? -1
    }

    /// Temporary files a restore left behind under `relative`.
    func leftovers(_ relative: String) throws -> [String] {
        let names = FileManager.default.enumerator(atPath: path(relative))?.compactMap { $0 as? String } ?? []
        return names.filter { ($0 as NSString).lastPathComponent.hasPrefix(".") }
    }

    /// Deterministic pseudo-random bytes (xorshift), so that chunks of different seeds differ.
    func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    func date(_ iso: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: iso) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: iso)!
    }

    /// A time on 2026-11-26 (UTC): `HH:mm:ss` or `HH:mm:ss.SSS`.
    func time(_ clock: String) -> Date {
        date("2026-11-26T\(clock)Z")
    }
}

private func withFixture(_ body: (Fixture) throws -> Void) throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("grace-snapshots-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: base) }
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    let store = try SnapshotStore(directory: base.appendingPathComponent("var/grace/snapshots"))
    try body(Fixture(root: base, store: store))
}

private func withFixture(_ body: (Fixture) async throws -> Void) async throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("grace-snapshots-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: base) }
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    let store = try SnapshotStore(directory: base.appendingPathComponent("var/grace/snapshots"))
    try await body(Fixture(root: base, store: store))
}
