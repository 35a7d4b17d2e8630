import Glibc

/// Why a `NotifySocket` could not be bound.
public enum NotifySocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An AF_UNIX path holds at most 107 bytes; choose a shorter state directory.
    case pathTooLong(path: String)
    /// Another live process is bound at the path (a second Grace on the same state directory?).
    case inUse(path: String)
    /// Something other than a socket is at the path; Grace removes only stale sockets.
    case notASocket(path: String)
    /// A system call failed.
    case system(call: String, errno: Int32, path: String)

    /// What failed, where, and the system's reason.
    public var description: String {
        switch self {
        case .pathTooLong(let path):
            return "notify socket path \(path) is longer than the 107 bytes an AF_UNIX address holds"
        case .inUse(let path):
            return "notify socket \(path) is in use by another process"
        case .notASocket(let path):
            return "\(path) exists and is not a socket; refusing to replace it with a notify socket"
        case .system(let call, let code, let path):
            return "\(call) \(path): \(String(cString: strerror(code)))"
        }
    }
}
