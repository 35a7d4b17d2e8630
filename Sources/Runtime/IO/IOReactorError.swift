import Glibc

/// Why the reactor could not be started or could not watch a descriptor.
public enum IOReactorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed: `epoll_create1`, `eventfd` or `epoll_ctl`.
    case system(call: String, errno: Int32)

    /// What failed, for logs and thrown errors.
    public var description: String {
        switch self {
        case .system(let call, let code):
            return "\(call): \(String(cString: strerror(code)))"
        }
    }
}
