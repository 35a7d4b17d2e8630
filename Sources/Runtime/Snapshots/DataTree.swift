import Foundation

/// A kernel's data as files under the configuration root. Data paths are relative to the root (an absolute path
/// inside the root is accepted and made relative); `..` is refused outright, and a path whose directory resolves
/// outside the root through a symbolic link is refused too. Walks never follow symbolic links, so nothing outside
/// the root is ever read or written.
struct DataTree {
    /// The root as given, standardized.
    let root: String
    /// The store's own directory, never walked into (a data path of `var` must not snapshot the snapshots).
    let excluded: String?

    init(root: URL, excluding excluded: URL? = nil) {
        self.root = Self.trimmed(root.standardizedFileURL.path)
        self.excluded = excluded.map { Self.trimmed($0.standardizedFileURL.path) }
    }

    /// What a walk found: regular files and what was passed over, by path relative to the root.
    struct Scan {
        var files: [String] = []
        var skipped: [SnapshotManifest.Skipped] = []
    }

    /// `path` relative to `root`, without `.` or empty components. Throws for `..`, for absolute paths outside the
    /// root and for the root itself.
    static func normalize(_ path: String, root: String) throws -> String {
        let root = trimmed(root)
        var relative = Substring(path)
        if path.hasPrefix("/") {
            guard path == root || path.hasPrefix(root + "/") || root == "/" else {
                throw SnapshotError.invalidPath(path, reason: "absolute path outside the root \(root)")
            }
            relative = path.dropFirst(root == "/" ? 1 : root.count)
        }
        var components: [Substring] = []
        for component in relative.split(separator: "/", omittingEmptySubsequences: true) where component != "." {
            guard component != ".." else {
                throw SnapshotError.invalidPath(path, reason: "'..' is not allowed: data paths stay inside the root")
            }
            components.append(component)
        }
        guard !components.isEmpty else {
            throw SnapshotError.invalidPath(path, reason: "names the root itself, not something inside it")
        }
        return components.joined(separator: "/")
    }

    func normalize(_ path: String) throws -> String { try Self.normalize(path, root: root) }

    func absolute(_ relative: String) -> String { (root == "/" ? "" : root) + "/" + relative }

    /// Throws when the directory holding `relative` (as far as it exists) resolves outside the root.
    func checkContained(_ relative: String) throws {
        guard let realRoot = DurableFile.realPath(root) else { return }
        var directory = (absolute(relative) as NSString).deletingLastPathComponent
        while directory.count > root.count, try DurableFile.kind(directory) == .missing {
            directory = (directory as NSString).deletingLastPathComponent
        }
        guard let real = DurableFile.realPath(directory) else { return }
        guard real == realRoot || real.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") else {
            throw SnapshotError.invalidPath(
                relative, reason: "leads outside the root through a symbolic link (\(real))")
        }
    }

    /// Every regular file under the (normalized) data paths, sorted; a path that does not exist adds nothing.
    func scan(_ paths: [String]) throws -> Scan {
        var scan = Scan()
        var seen = Set<String>()
        for path in paths {
            try checkContained(path)
            try walk(path, into: &scan, seen: &seen)
        }
        scan.files.sort()
        scan.skipped.sort { $0.path < $1.path }
        return scan
    }

    private func walk(_ relative: String, into scan: inout Scan, seen: inout Set<String>) throws {
        guard seen.insert(relative).inserted else { return }
        let path = absolute(relative)
        switch try DurableFile.kind(path) {
        case .missing:
            return
        case .regular:
            scan.files.append(relative)
        case .directory:
            if path == excluded { return }
            for name in try DurableFile.entries(path) {
                try walk(relative + "/" + name, into: &scan, seen: &seen)
            }
        case .symlink:
            scan.skipped.append(.init(path: relative, kind: "symlink"))
        case .socket:
            scan.skipped.append(.init(path: relative, kind: "socket"))
        case .fifo:
            scan.skipped.append(.init(path: relative, kind: "fifo"))
        case .device:
            scan.skipped.append(.init(path: relative, kind: "device"))
        }
    }

    /// Creates the directories leading to `relative`'s parent, refusing to pass through anything that is not a
    /// real directory (a symbolic link planted in the data could otherwise redirect a restore).
    func makeParentDirectories(_ relative: String) throws {
        var path = root
        for component in relative.split(separator: "/").dropLast() {
            path += "/" + component
            switch try DurableFile.kind(path) {
            case .directory:
                continue
            case .missing:
                try DurableFile.makeDirectory(path)
            case let kind:
                throw SnapshotError.invalidPath(
                    relative, reason: "\(path) is a \(kind), not a directory; it is not replaced")
            }
        }
    }

    private static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
