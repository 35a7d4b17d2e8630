import GraceDSL

/// How a process ended, decoded from waitpid's status.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    /// The process called exit: `code` is 0...255.
    case exited(code: Int32)
    /// A signal ended the process (its number), and whether it dumped core.
    case signaled(signal: Int32, coreDumped: Bool)

    /// Decodes the status word `waitpid` fills in.
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

    /// The exit code, when the process exited by itself.
    public var code: Int32? {
        if case .exited(let code) = self { return code }
        return nil
    }

    /// `SIGKILL`, or the number for a signal without a name; nil when the process exited by itself.
    public var signalName: String? {
        guard case .signaled(let signal, _) = self else { return nil }
        return Self.name(of: signal)
    }

    /// `exit code 1`, `killed by SIGKILL (core dumped)`: for logs and messages.
    public var description: String {
        switch self {
        case .exited(let code): return "exit code \(code)"
        case .signaled(let signal, let core):
            let name = Signal.known.first { $0.value == signal }.map { "SIG" + $0.key } ?? "signal \(signal)"
            return "killed by \(name)" + (core ? " (core dumped)" : "")
        }
    }

    static func name(of signal: Int32) -> String {
        Signal.known.first { $0.value == signal }.map { "SIG" + $0.key } ?? String(signal)
    }
}
