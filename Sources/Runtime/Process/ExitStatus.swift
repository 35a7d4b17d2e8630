import Glibc

/// How a process ended, decoded from waitpid's status.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    case exited(code: Int32)
    case signaled(signal: Int32, coreDumped: Bool)

    public init(waitStatus status: Int32) {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import; these are their definitions.
        let termSignal = status & 0x7f
        if termSignal == 0 {
            self = .exited(code: (status >> 8) & 0xff)
        } else {
            self = .signaled(signal: termSignal, coreDumped: status & 0x80 != 0)
        }
    }

    /// A clean exit: code 0.
    public var isSuccess: Bool {
        if case .exited(0) = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exit code \(code)"
        case .signaled(let signal, let core):
            let name = Signal.known.first { $0.value == signal }.map { "SIG" + $0.key } ?? "signal \(signal)"
            return "killed by \(name)" + (core ? " (core dumped)" : "")
        }
    }

    /// Fields for the journal.
    public var fields: [String: String] {
        switch self {
        case .exited(let code): ["code": String(code)]
        case .signaled(let signal, let core):
            ["signal": Signal.known.first { $0.value == signal }.map { "SIG" + $0.key } ?? String(signal),
             "core": core ? "true" : "false"]
        }
    }
}

import GraceDSL
