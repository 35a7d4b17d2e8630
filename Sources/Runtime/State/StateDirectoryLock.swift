import Foundation
import Glibc

/// One Grace per state directory: an exclusive flock(2) on `<state_dir>/grace.lock`, taken before anything in the
/// directory is touched and held for the life of the process. The kernel drops the lock when its holder dies, so a
/// crashed Grace never blocks the next; a second Grace started by accident finds it held and changes nothing (it
/// would otherwise take the first one's live kernels for a crashed Grace's leftovers and stop them).
///
/// The file holds the holder's pid, for the message a second Grace prints. The descriptor is close-on-exec, and
/// kernels are spawned with every other descriptor closed, so no child holds the lock past its exec; before it, a
/// forked child shares the descriptor, which is why releasing unlocks explicitly rather than only closing.
public final class StateDirectoryLock: Sendable {
    /// Why the lock was not taken.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// Another process holds it: `pid` as its file says (nil when unreadable).
        case held(path: String, pid: Int32?)
        /// The lock file could not be opened or locked for another reason (`errno`).
        case io(path: String, errno: Int32)

        /// The message `grace run` prints.
        public var description: String {
            switch self {
            case .held(let path, let pid):
                let directory = (path as NSString).deletingLastPathComponent
                return "another Grace" + (pid.map { " (pid \($0))" } ?? "") + " is running on the state directory "
                    + "\(directory); stop it first, or give this one another state_dir (\(path) is locked)"
            case .io(let path, let code):
                return "cannot lock \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// The lock file, `<state_dir>/grace.lock`.
    public let path: String
    /// The locked descriptor: `grace reexec` lets it survive the exec (clearing FD_CLOEXEC), so that the lock is
    /// never released between the two images, and the new image adopts it.
    public let descriptor: Int32
    private var fd: Int32 { descriptor }

    /// Takes the lock without waiting (creating the directory and the file if needed), or throws `Failure.held`.
    ///
    /// A re-executed image (`grace reexec`) passes the descriptor it inherited as `inherited`: it is adopted when it
    /// is the lock file and still holds the lock. When the lock is held by this very process (a re-executed image
    /// that lost track of the number), the inherited descriptor is found among this process's own.
    public init(stateDirectory: URL, inherited: Int32? = nil) throws(Failure) {
        path = Self.path(in: stateDirectory)
        try? FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        if let inherited, Self.adoptable(inherited, path: path) {
            descriptor = inherited
            return
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: path, errno: errno) }
        var result: Int32
        repeat { result = flock(fd, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        guard result == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK {
                let holder = Self.holder(path)
                let lockPath = path
                if holder == getpid(),
                    let own = Self.ownDescriptors().first(where: { Self.adoptable($0, path: lockPath) })
                {
                    descriptor = own
                    return
                }
                throw .held(path: path, pid: holder)
            }
            throw .io(path: path, errno: code)
        }
        self.descriptor = fd
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
    }

    /// Unlocks before closing, for a child forked elsewhere in this process holds a copy of the descriptor until its
    /// exec closes it. (A re-exec hands the lock on without running this.)
    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// The lock file of a state directory.
    static func path(in stateDirectory: URL) -> String {
        stateDirectory.appendingPathComponent("grace.lock").path
    }

    /// Whether `fd` is open on the lock file at `path` and holds its lock (flock on the same open file description
    /// succeeds again); it is made close-on-exec again.
    private static func adoptable(_ fd: Int32, path: String) -> Bool {
        var open = stat()
        var file = stat()
        guard fd >= 0, fstat(fd, &open) == 0, stat(path, &file) == 0, open.st_dev == file.st_dev,
            open.st_ino == file.st_ino
        else { return false }
        var result: Int32
        repeat { result = flock(fd, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        guard result == 0 else { return false }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return true
    }

    /// This process's open descriptors, from /proc/self/fd.
    private static func ownDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    /// The pid the lock file names (for a held lock's message).
    static func holder(_ path: String) -> Int32? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return Int32(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
