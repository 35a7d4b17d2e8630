/// How a command run by a `CommandRunner` ended.
public struct CommandOutcome: Sendable, Equatable {
    /// The exit status when the command exited normally.
    public var status: Int32?
    /// The signal that ended the command, when one did.
    public var signal: Int32?
    /// Standard output and standard error, interleaved, possibly truncated by the runner.
    public var output: String
    /// The command ran out of time and was killed; `status` and `signal` describe that kill.
    public var timedOut: Bool

    /// An outcome from how the command ended and what it printed.
    public init(status: Int32? = nil, signal: Int32? = nil, output: String = "", timedOut: Bool = false) {
        self.status = status
        self.signal = signal
        self.output = output
        self.timedOut = timedOut
    }

    /// Exited normally with status 0 and in time.
    public var succeeded: Bool { status == 0 && signal == nil && !timedOut }
}
