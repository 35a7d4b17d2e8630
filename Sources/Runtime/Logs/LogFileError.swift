#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a kernel's log file could not be opened.
public enum LogFileError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file, or its directory, cannot be opened or written to.
    case cannotOpen(path: String, errno: Int32)

    /// The path and the system's reason.
    public var description: String {
        switch self {
        case .cannotOpen(let path, let code):
            return "cannot open log file \(path): \(String(cString: strerror(code)))"
        }
    }
}
