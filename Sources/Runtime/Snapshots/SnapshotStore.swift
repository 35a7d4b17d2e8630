import Crypto
import Foundation

/// Content-addressed snapshots of kernels' declared data, kept as plain files under `<state dir>/snapshots`:
///
///     chunks/ab/cdef...        1 MiB pieces of file contents, named by their SHA-256, written once, shared
///     manifests/<id>.json      one per snapshot: which files, their modes, sizes and chunks
///     lock                     flock: snapshots and restores share it, pruning holds it alone
///
/// Every file is written under a temporary name, fsynced and renamed, and a manifest only after its chunks (and
/// their directories) are durable, so a crash leaves at worst unreferenced chunks and temporary files, which
/// `prune` removes. Snapshots of different kernels may be taken at the same time, from one process or several.
public final class SnapshotStore: Sendable {
    /// The store's directory (`<state_dir>/snapshots`), holding `chunks/`, `manifests/` and `lock`.
    public let directory: URL
    let chunks: ChunkStore
    let manifests: String
    let lock: StoreLock
    /// Tests only: called before each step of a restore (`staged` after a file is written aside, `swap` before it
    /// is renamed into place) so that a failure midway can be injected.
    let restoreHook: (@Sendable (RestoreStep, String) throws -> Void)?

    enum RestoreStep: Sendable { case staged, swap }

    /// The size files are cut into.
    public static let chunkSize = ChunkStore.chunkSize

    /// Opens (creating if needed) the store in `directory`, normally `<state dir>/snapshots`.
    public convenience init(directory: URL) throws {
        try self.init(directory: directory, restoreHook: nil)
    }

    init(directory: URL, restoreHook: (@Sendable (RestoreStep, String) throws -> Void)?) throws {
        self.directory = directory.standardizedFileURL
        let path = self.directory.path
        chunks = ChunkStore(directory: path + "/chunks")
        manifests = path + "/manifests"
        lock = StoreLock(path: path + "/lock")
        self.restoreHook = restoreHook
        for directory in [path, chunks.directory, manifests] {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw SnapshotError.io(operation: "mkdir", path: directory, errno: Self.code(of: error) ?? EIO)
            }
        }
    }

    // MARK: - Taking snapshots

    /// Snapshots every regular file under `paths` (relative to `root`; a path that does not exist contributes no
    /// files). `good` marks data known to be healthy: `last_good` restores pick the newest such snapshot.
    @discardableResult
    public func create(
        kernel: String, root: URL, paths: [String], tag: String?, good: Bool, time: Date = Date()
    ) throws -> SnapshotManifest {
        let tree = DataTree(root: root, excluding: directory)
        let normalized = try Self.unique(paths.map { try tree.normalize($0) })
        return try lock.withShared {
            let scan = try tree.scan(normalized)
            var entries: [SnapshotManifest.Entry] = []
            var skipped = scan.skipped
            var touched = Set<String>()
            var buffer = [UInt8](repeating: 0, count: ChunkStore.chunkSize)
            for file in scan.files {
                if let entry = try snapshotFile(file, in: tree, buffer: &buffer, touched: &touched) {
                    entries.append(entry)
                } else {
                    skipped.append(.init(path: file, kind: "vanished"))
                }
            }
            for directory in touched.sorted() { try DurableFile.syncDirectory(directory) }
            if !touched.isEmpty { try DurableFile.syncDirectory(chunks.directory) }

            var manifest = SnapshotManifest(
                id: "", kernel: kernel, time: SnapshotTime.truncated(time), tag: tag, paths: normalized,
                files: entries, skipped: skipped, good: good)
            let digest = ChunkStore.hash(try Self.encode(manifest))
            manifest.id = SnapshotTime.compact(manifest.time) + "-" + digest.prefix(8)
            try DurableFile.writeAtomically(try Self.encode(manifest), to: manifestPath(manifest.id))
            try DurableFile.syncDirectory(manifests)
            return manifest
        }
    }

    /// One file as chunks; nil when it disappeared (or turned into something else) since the directory was read.
    private func snapshotFile(
        _ relative: String, in tree: DataTree, buffer: inout [UInt8], touched: inout Set<String>
    ) throws -> SnapshotManifest.Entry? {
        let path = tree.absolute(relative)
        let fd: Int32
        do {
            fd = try DurableFile.openForReading(path)
        } catch SnapshotError.io(_, _, let code) where code == ENOENT || code == ELOOP {
            return nil
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SnapshotError.io(operation: "fstat", path: path, errno: errno) }
        guard DurableFile.kind(mode: info.st_mode) == .regular else { return nil }
        var hashes: [String] = []
        var size: UInt64 = 0
        while true {
            let count = try DurableFile.fill(fd, &buffer, path: path)
            if count == 0 { break }
            let written = try chunks.write(buffer[0..<count])
            hashes.append(written.hash)
            if let directory = written.newIn { touched.insert(directory) }
            size += UInt64(count)
            if count < buffer.count { break }
        }
        return .init(path: relative, mode: UInt16(info.st_mode & 0o7777), size: size, chunks: hashes)
    }

    // MARK: - Finding snapshots

    /// The snapshots of `kernel` (every kernel's when nil), oldest first. Throws `corruptManifest` for a manifest
    /// that cannot be read.
    public func list(kernel: String? = nil) throws -> [SnapshotManifest] {
        var result: [SnapshotManifest] = []
        for name in try DurableFile.entries(manifests) where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let manifest: SnapshotManifest
            do {
                manifest = try self.manifest(String(name.dropLast(5)))
            } catch SnapshotError.notFound {
                continue  // pruned since the directory was read
            }
            if kernel == nil || manifest.kernel == kernel { result.append(manifest) }
        }
        return result.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
    }

    /// The snapshot with this exact id.
    public func manifest(_ id: String) throws -> SnapshotManifest {
        guard Self.isID(id) else { throw SnapshotError.notFound(id) }
        let path = manifestPath(id)
        let bytes: [UInt8]
        do {
            bytes = try DurableFile.readAll(path)
        } catch SnapshotError.io(_, _, let code) where code == ENOENT {
            throw SnapshotError.notFound(id)
        }
        let manifest: SnapshotManifest
        do {
            manifest = try JSONDecoder().decode(SnapshotManifest.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw SnapshotError.corruptManifest(path: path, reason: Self.describe(error))
        } catch {
            throw SnapshotError.corruptManifest(path: path, reason: String(describing: error))
        }
        guard manifest.id == id else {
            throw SnapshotError.corruptManifest(path: path, reason: "it names itself \(manifest.id)")
        }
        return manifest
    }

    /// `latest`, `last_good` (the newest snapshot taken while the kernel was healthy), an id, or a unique prefix of
    /// an id or of its hash part (`3fa2c1d0`). A snapshot of another kernel is refused.
    public func resolve(kernel: String, reference: String) throws -> SnapshotManifest {
        switch reference {
        case "latest":
            guard let newest = try list(kernel: kernel).last else {
                throw SnapshotError.noSnapshot(kernel: kernel, reference: reference)
            }
            return newest
        case "last_good":
            return try lastGood(kernel: kernel)
        default:
            let manifest = try find(reference, preferring: kernel)
            guard manifest.kernel == kernel else {
                throw SnapshotError.wrongKernel(id: manifest.id, kernel: manifest.kernel, expected: kernel)
            }
            return manifest
        }
    }

    /// `last_good`: the newest good snapshot of `kernel` but those in `distrusted`, snapshots whose restore did not
    /// make the kernel healthy. A snapshot taken between a corruption and the kernel noticing it is marked good (the
    /// kernel was healthy when it was taken), yet holds the damage itself.
    public func lastGood(kernel: String, excluding distrusted: Set<String> = []) throws -> SnapshotManifest {
        guard let good = try list(kernel: kernel).last(where: { $0.good && !distrusted.contains($0.id) }) else {
            throw distrusted.isEmpty
                ? SnapshotError.noSnapshot(kernel: kernel, reference: "last_good")
                : SnapshotError.noTrustedSnapshot(kernel: kernel, distrusted: distrusted.sorted())
        }
        return good
    }

    /// An id or a unique prefix of one (of the whole id, or of its hash part, at least 4 digits).
    public func find(_ reference: String, preferring kernel: String? = nil) throws -> SnapshotManifest {
        if Self.isID(reference) { return try manifest(reference) }
        guard !reference.isEmpty else { throw SnapshotError.notFound(reference) }
        let matches = try list().filter { manifest in
            manifest.id.hasPrefix(reference)
                || (reference.count >= 4 && manifest.id.split(separator: "-").last?.hasPrefix(reference) == true)
        }
        if matches.count == 1 { return matches[0] }
        if matches.isEmpty { throw SnapshotError.notFound(reference) }
        let preferred = matches.filter { $0.kernel == kernel }
        if preferred.count == 1 { return preferred[0] }
        throw SnapshotError.ambiguous(reference, matches: (preferred.isEmpty ? matches : preferred).map(\.id))
    }

    // MARK: - Verifying

    /// Whether every chunk of the snapshot is present, hashes to its name, and the chunks add up to each file's size.
    public func verify(_ id: String) throws -> SnapshotVerification {
        try lock.withShared {
            let manifest = try manifest(id)
            var checked: [String: (problem: String?, length: Int)] = [:]
            var problems: [String] = []
            for entry in manifest.files {
                var length: UInt64 = 0
                var complete = true
                for hash in entry.chunks {
                    let result = try checked[hash] ?? chunks.check(hash)
                    checked[hash] = result
                    if let problem = result.problem {
                        problems.append("\(entry.path): chunk \(hash.prefix(12)) is \(problem)")
                        complete = false
                    }
                    length += UInt64(result.length)
                }
                if complete && length != entry.size {
                    problems.append("\(entry.path): its chunks hold \(length) bytes, the manifest says \(entry.size)")
                }
            }
            return problems.isEmpty ? .intact(files: manifest.files.count, bytes: manifest.bytes) : .damaged(problems)
        }
    }

    /// Compares the live data under `paths` with snapshot `id` of `kernel`: files missing, changed (their chunk
    /// hashes differ) or added since. Detects a damaged data file without reading the snapshot's chunks.
    public func verifyData(kernel: String, root: URL, paths: [String], against id: String) throws
        -> SnapshotVerification
    {
        let manifest = try manifest(id)
        guard manifest.kernel == kernel else {
            throw SnapshotError.wrongKernel(id: id, kernel: manifest.kernel, expected: kernel)
        }
        let tree = DataTree(root: root, excluding: directory)
        let live = try tree.scan(Self.unique(paths.map { try tree.normalize($0) }))
        let liveFiles = Set(live.files)
        let recorded = Set(manifest.files.map(\.path))
        var problems: [String] = []
        var buffer = [UInt8](repeating: 0, count: ChunkStore.chunkSize)
        for entry in manifest.files {
            guard liveFiles.contains(entry.path) else {
                problems.append("\(entry.path): missing")
                continue
            }
            let path = tree.absolute(entry.path)
            let fd: Int32
            do {
                fd = try DurableFile.openForReading(path)
            } catch SnapshotError.io(_, _, let code) where code == ENOENT || code == ELOOP {
                problems.append("\(entry.path): missing")
                continue
            }
            defer { close(fd) }
            var size: UInt64 = 0
            var index = 0
            var same = true
            while true {
                let count = try DurableFile.fill(fd, &buffer, path: path)
                if count == 0 { break }
                size += UInt64(count)
                if same {
                    same = index < entry.chunks.count && ChunkStore.hash(buffer[0..<count]) == entry.chunks[index]
                }
                index += 1
                if count < buffer.count { break }
            }
            if size != entry.size {
                problems.append("\(entry.path): \(size) bytes, the snapshot has \(entry.size)")
            } else if !same || index != entry.chunks.count {
                problems.append("\(entry.path): content differs from the snapshot")
            }
        }
        for file in live.files where !recorded.contains(file) {
            problems.append("\(file): not in the snapshot")
        }
        return problems.isEmpty ? .intact(files: manifest.files.count, bytes: manifest.bytes) : .damaged(problems)
    }

    // MARK: - Restoring

    /// Puts the snapshot's files back under `root`, all or nothing: every file is first written aside (a temporary
    /// name in its own directory) from chunks whose hashes are checked on the way, and fsynced; only then are they
    /// renamed over the live files, and a failure during the renames puts the old files back. Files under the
    /// snapshot's paths that the snapshot does not hold are removed last. Symbolic links and special files are
    /// left alone. Stop the kernel first: a kernel writing its data during a restore can mix old and new.
    public func restore(_ id: String, root: URL) throws {
        try lock.withShared {
            let manifest = try manifest(id)
            try SnapshotRestore(
                manifest: manifest, tree: DataTree(root: root, excluding: directory), chunks: chunks, hook: restoreHook
            ).run()
        }
    }

    // MARK: - Retention

    /// Removes `kernel`'s snapshots that the retention policy does not keep (see `SnapshotRetention`), then every
    /// chunk no remaining snapshot of any kernel refers to, and the temporary files of interrupted writes. Returns
    /// the removed ids, oldest first. Refuses (changing nothing) while any manifest is unreadable, since the
    /// chunks it refers to cannot be known.
    @discardableResult
    public func prune(kernel: String, keepLast: Int, keepHourly: Int, keepDaily: Int, now: Date = Date()) throws
        -> [String]
    {
        try lock.withExclusive {
            let all = try list()
            let kept = SnapshotRetention(last: keepLast, hourly: keepHourly, daily: keepDaily)
                .kept(all.filter { $0.kernel == kernel }, now: now)
            let removed = all.filter { $0.kernel == kernel && !kept.contains($0.id) }
            for manifest in removed { try DurableFile.remove(manifestPath(manifest.id)) }
            for name in try DurableFile.entries(manifests) where name.hasPrefix(DurableFile.temporaryPrefix) {
                try DurableFile.remove(manifests + "/" + name)
            }
            try DurableFile.syncDirectory(manifests)

            let removedIDs = Set(removed.map(\.id))
            var referenced = Set<String>()
            for manifest in all where !removedIDs.contains(manifest.id) {
                for entry in manifest.files { referenced.formUnion(entry.chunks) }
            }
            let contents = try chunks.contents()
            for hash in contents.chunks where !referenced.contains(hash) {
                try DurableFile.remove(chunks.path(hash))
            }
            for path in contents.debris { try DurableFile.remove(path) }
            return removed.map(\.id)
        }
    }

    // MARK: - Helpers

    func manifestPath(_ id: String) -> String { manifests + "/" + id + ".json" }

    /// `20261126T101512Z-0123abcd`.
    static func isID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 25, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"),
            bytes[16] == UInt8(ascii: "-")
        else { return false }
        let digits = bytes[0..<8] + bytes[9..<15]
        return digits.allSatisfy { (48...57).contains($0) }
            && bytes[17...].allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func encode(_ manifest: SnapshotManifest) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(manifest))
    }

    private static func unique(_ paths: [String]) -> [String] {
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            let underlying = (context.underlyingError as NSError?)?.localizedDescription
            return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
                + (underlying.map { " (\($0))" } ?? "")
        @unknown default:
            return String(describing: error)
        }
    }

    private static func code(of error: any Error) -> Int32? {
        ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { Int32($0.code) }
    }
}
