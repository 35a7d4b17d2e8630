/// One reading of a process's counters from /proc, taken by ``ProcessSampler``.
///
/// CPU is a cumulative tick count; turn two samples into a percentage with ``CPUUsageTracker``.
struct ProcessSample: Sendable, Equatable {
    var pid: Int32
    /// utime + stime of this process (all its threads; not its children), in clock ticks (`sysconf(_SC_CLK_TCK)`).
    var cpuTicks: UInt64
    var rssBytes: UInt64
    var threads: Int
    /// Open file descriptors; 0 if /proc/PID/fd is not readable by Grace (another user's process).
    var openFDs: Int
    /// The soft RLIMIT_NOFILE; nil when it cannot be read or is unlimited.
    var descriptorLimit: UInt64?
    /// When the sample was taken.
    var time: ContinuousClock.Instant

    init(
        pid: Int32, cpuTicks: UInt64, rssBytes: UInt64, threads: Int, openFDs: Int, time: ContinuousClock.Instant,
        descriptorLimit: UInt64? = nil
    ) {
        self.pid = pid
        self.cpuTicks = cpuTicks
        self.rssBytes = rssBytes
        self.threads = threads
        self.openFDs = openFDs
        self.descriptorLimit = descriptorLimit
        self.time = time
    }
}
