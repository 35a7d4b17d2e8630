import Foundation

/// An advisory lock on `<store>/lock` (flock), so that pruning never deletes a chunk that a snapshot being taken
/// (in this process or another `grace`) has found present and is about to refer to. Taking a snapshot, reading
/// and restoring share the lock; pruning holds it alone.
struct StoreLock: Sendable {
    let path: String

    func withShared<T>(_ body: () throws -> T) throws -> T { try with(LOCK_SH, body) }

    func withExclusive<T>(_ body: () throws -> T) throws -> T { try with(LOCK_EX, body) }

    private func with<T>(_ operation: Int32, _ body: () throws -> T) throws -> T {
        // A descriptor of its own per holder: flock locks of separate opens exclude each other within one process
        // as well as across processes.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SnapshotError.io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        while flock(fd, operation) != 0 {
            guard errno == EINTR else { throw SnapshotError.io(operation: "flock", path: path, errno: errno) }
        }
        return try body()
    }
}
