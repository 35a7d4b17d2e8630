import Foundation

/// One restore, as a transaction over files: stage (write every file aside and fsync it), swap (hard-link each
/// live file to a backup name, rename the staged file over it; on a failure rename the backups back), then remove
/// the files the snapshot does not hold. Until the swap nothing live is touched, so a missing or corrupt chunk, a
/// full disk or a path that cannot be written leaves the old data as it was.
struct SnapshotRestore {
    let manifest: SnapshotManifest
    let tree: DataTree
    let chunks: ChunkStore
    let hook: (@Sendable (SnapshotStore.RestoreStep, String) throws -> Void)?

    private struct Staged {
        var entry: SnapshotManifest.Entry
        var target: String
        var temporary: String
        /// Whether a live file is replaced; then `backup` is the hard link to it kept until every file is in place.
        var replaces: Bool
        var backup: String? = nil
    }

    func run() throws {
        let paths = try manifest.paths.map { try tree.normalize($0) }
        for entry in manifest.files {
            let path = try tree.normalize(entry.path)
            guard path == entry.path, paths.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) else {
                throw SnapshotError.invalidPath(entry.path, reason: "not under the snapshot's data paths")
            }
        }
        for path in paths { try tree.checkContained(path) }

        var staged: [Staged] = []
        do {
            for entry in manifest.files {
                staged.append(try stage(entry))
                try hook?(.staged, entry.path)
            }
        } catch {
            for file in staged { unlink(file.temporary) }
            throw error
        }
        try swap(&staged)

        // Last: what was added since the snapshot. Only regular files; links and special files stay.
        let kept = Set(manifest.files.map(\.path))
        var directories = Set<String>()
        for file in try tree.scan(paths).files where !kept.contains(file) {
            let path = tree.absolute(file)
            try DurableFile.remove(path)
            directories.insert((path as NSString).deletingLastPathComponent)
        }
        for directory in directories.sorted() { try DurableFile.syncDirectory(directory) }
    }

    /// Writes the entry's content to a temporary file beside its target, checking every chunk's hash, with the
    /// recorded mode and the owner of the file it replaces (or of its directory).
    private func stage(_ entry: SnapshotManifest.Entry) throws -> Staged {
        try tree.checkContained(entry.path)
        try tree.makeParentDirectories(entry.path)
        let target = tree.absolute(entry.path)
        let existing = try DurableFile.status(target)
        if let existing, DurableFile.kind(mode: existing.st_mode) != .regular {
            throw SnapshotError.invalidPath(
                entry.path, reason: "is a \(DurableFile.kind(mode: existing.st_mode)) now; it is not replaced")
        }
        let directory = (target as NSString).deletingLastPathComponent
        let temporary = directory + "/" + DurableFile.temporaryName(for: (target as NSString).lastPathComponent)
        let fd = try DurableFile.create(temporary)
        do {
            var size: UInt64 = 0
            for hash in entry.chunks {
                guard let bytes = try chunks.read(hash) else {
                    throw SnapshotError.damagedChunk(hash: hash, file: entry.path, reason: "missing")
                }
                guard ChunkStore.hash(bytes) == hash else {
                    throw SnapshotError.damagedChunk(hash: hash, file: entry.path, reason: "corrupt")
                }
                try bytes.withUnsafeBytes { try DurableFile.write(fd, $0, path: temporary) }
                size += UInt64(bytes.count)
            }
            guard size == entry.size else {
                throw SnapshotError.damagedChunk(
                    hash: entry.chunks.last ?? "", file: entry.path,
                    reason: "short: the chunks hold \(size) bytes, the manifest says \(entry.size)")
            }
            if let owner = try existing ?? DurableFile.status(directory) {
                _ = fchown(fd, owner.st_uid, owner.st_gid)  // only root may; otherwise the restorer owns the file
            }
            guard fchmod(fd, mode_t(entry.mode) & 0o7777) == 0 else {
                throw SnapshotError.io(operation: "chmod", path: temporary, errno: errno)
            }
            try DurableFile.sync(fd, path: temporary)
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        return Staged(entry: entry, target: target, temporary: temporary, replaces: existing != nil)
    }

    /// Renames every staged file into place, keeping a hard link of each replaced file until all are in place.
    private func swap(_ staged: inout [Staged]) throws {
        var swapped = 0
        do {
            for index in staged.indices where staged[index].replaces {
                let backup =
                    (staged[index].target as NSString).deletingLastPathComponent + "/"
                    + DurableFile.temporaryName(for: (staged[index].target as NSString).lastPathComponent)
                guard link(staged[index].target, backup) == 0 else {
                    throw SnapshotError.io(operation: "link", path: staged[index].target, errno: errno)
                }
                staged[index].backup = backup
            }
            for file in staged {
                try hook?(.swap, file.entry.path)
                try DurableFile.rename(file.temporary, to: file.target)
                swapped += 1
            }
        } catch {
            for file in staged[..<swapped].reversed() {
                if let backup = file.backup {
                    _ = Glibc.rename(backup, file.target)
                } else {
                    unlink(file.target)
                }
            }
            for file in staged {
                unlink(file.temporary)
                if let backup = file.backup { unlink(backup) }
            }
            throw error
        }
        var directories = Set<String>()
        for file in staged {
            directories.insert((file.target as NSString).deletingLastPathComponent)
        }
        for directory in directories.sorted() { try DurableFile.syncDirectory(directory) }
        for file in staged {
            if let backup = file.backup { try DurableFile.remove(backup) }
        }
    }
}
