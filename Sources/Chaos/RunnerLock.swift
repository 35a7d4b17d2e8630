import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One drill runner at a time against a Grace: an exclusive `flock(2)` on `chaos.lock` in the runner's work
/// directory, held as long as this value lives (and released by the kernel when the runner dies). Two runners would
/// mix their faults and their evidence, and would overwrite each other's rollback ledger.
public final class RunnerLock: Sendable {
    private let descriptor: Int32

    /// Why a lock was not taken.
    public struct Held: Error, CustomStringConvertible {
        /// The pid the holder wrote in the lock file, when it could be read.
        public let holder: Int32?
        /// The lock file.
        public let path: String

        /// What the refused runner prints.
        public var description: String {
            "another drill runner\(holder.map { " (pid \($0))" } ?? "") is running against this Grace (\(path)): "
                + "one at a time, since their faults and evidence would mix; wait for it, or stop it with Ctrl-C"
        }
    }

    /// Takes the lock in `directory` (created if missing), or throws `Held` at once when another runner has it.
    public init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("chaos.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = read(fd, &buffer, buffer.count)
            close(fd)
            let text = count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
            throw Held(holder: Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), path: path)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    /// Unlocks before closing: a child forked elsewhere in this process (a test's, a probe's) shares the descriptor
    /// until its exec closes it, and a plain close would leave the lock held by that copy meanwhile.
    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
