import Foundation

/// Why Grace did not re-execute itself, or why a new image could not take over.
public enum ReexecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// More reexecs than the limit allows within its window: a person must look.
    case limitReached(count: Int, within: Duration)
    /// A reexec is already under way.
    case alreadyRequested
    /// The executable to run is missing or not executable.
    case badExecutable(path: String, reason: String)
    /// Grace cannot re-execute in this process (a test process, a Grace assembled without a reexecutor).
    case unavailable(String)
    /// The handoff file could not be written.
    case cannotWriteHandoff(path: String, reason: String)
    /// The handoff file could not be read (missing, malformed, another version).
    case unreadableHandoff(path: String, reason: String)
    /// `execve` failed (the old image goes on: nothing was handed over).
    case execFailed(path: String, errno: Int32)

    /// A line for the operator (and the journal).
    public var description: String {
        switch self {
        case .limitReached(let count, let within):
            "reexec refused: \(count) reexecs within \(within.components.seconds) s already; escalate to the operator"
        case .alreadyRequested: "a reexec is already under way"
        case .badExecutable(let path, let reason): "cannot re-execute \(path): \(reason)"
        case .unavailable(let why): "reexec unavailable: \(why)"
        case .cannotWriteHandoff(let path, let reason): "cannot write the handoff file \(path): \(reason)"
        case .unreadableHandoff(let path, let reason): "cannot read the handoff file \(path): \(reason)"
        case .execFailed(let path, let code): "execve \(path) failed: \(String(cString: strerror(code)))"
        }
    }
}
