import GraceDSL

/// What the runtime tells its observers (the healer, the API): journal entries as they reach the disk, metric
/// samples, log lines and sd_notify heartbeats.
public enum Observation: Sendable {
    /// An entry, once it is on disk; in id order, never dropped.
    case journal(JournalEntry)
    /// A kernel's process sample, every metrics interval while it runs.
    case metrics(kernel: String, KernelMetrics)
    /// The host's sample, every metrics interval.
    case host(HostSample)
    /// One line a kernel wrote to stdout or stderr.
    case log(LogLine)
    /// sd_notify WATCHDOG=1 from a kernel (not journaled: there are many).
    case heartbeat(kernel: String)
    /// A health probe of a ready kernel ended after `latency` (a failed one too: a timeout took the whole
    /// timeout). Not journaled either: `kernel.healthy` and `kernel.unhealthy` say what changed.
    case probe(kernel: String, latency: Duration, healthy: Bool)
    /// A reload compiled a new graph; published before the supervisor applies it, so that an observer sees the
    /// new graph before any event of the kernels it starts.
    case configuration(ExecutionGraph)
}
