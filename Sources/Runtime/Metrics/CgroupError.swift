#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a cgroup operation failed.
enum CgroupError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The kernel name cannot be a directory name.
    case invalidKernelName(String)
    /// A limit was asked for but the controller is not enabled for Grace's groups.
    case controllerUnavailable(controller: String, group: String)
    /// A CPU limit that is not a positive percentage.
    case invalidCPULimit(Double)
    /// A system call on a cgroup file failed.
    case system(operation: String, path: String, errno: Int32)

    var description: String {
        switch self {
        case .invalidKernelName(let name):
            return "kernel name \"\(name)\" cannot name a cgroup"
        case .controllerUnavailable(let controller, let group):
            return "the \(controller) controller is not enabled for \(group) (delegate it to Grace, e.g. Delegate=yes)"
        case .invalidCPULimit(let percent):
            return "CPU limit \(percent)% is not a positive percentage"
        case .system(let operation, let path, let code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}
