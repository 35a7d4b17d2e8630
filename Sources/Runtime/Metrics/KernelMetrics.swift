/// What Grace reports about a running kernel's process: the figures that `metric:` triggers watch.
public struct KernelMetrics: Sendable, Equatable {
    /// CPU time over the last sampling window as a percentage of one core, like `top` (a process busy on two
    /// cores reads 200).
    public var cpuPercent: Double
    /// Resident memory of the kernel's main process in bytes (not its children's).
    public var rssBytes: UInt64
    /// Threads of the main process.
    public var threads: Int
    /// Open file descriptors of the main process; 0 when Grace may not read them (another user's process).
    public var openFDs: Int
    /// The memory limit enforced on the kernel (its cgroup's `memory.max`, from `limits.memory`); nil when none is
    /// enforced, and then there is no `memory` percentage.
    public var memoryLimitBytes: UInt64?
    /// The main process's soft limit on open descriptors (RLIMIT_NOFILE, from `limits.nofile` or inherited); nil
    /// when Grace may not read it or there is none.
    public var descriptorLimit: UInt64?
    /// Zombies of the kernel: processes of its process group (or children of its main process) that exited and
    /// that their parent has not reaped.
    public var zombies: Int
    /// Lines the kernel wrote to stdout and stderr per second, over the last sampling window; nil for the first
    /// window after a start.
    public var logLinesPerSecond: Double?

    /// Resident memory as a percentage of the enforced limit; nil without one.
    public var memoryPercent: Double? {
        guard let limit = memoryLimitBytes, limit > 0 else { return nil }
        return Double(rssBytes) / Double(limit) * 100
    }

    /// Open descriptors as a percentage of the descriptor limit (`fd_usage`); nil without a limit.
    public var descriptorPercent: Double? {
        guard let limit = descriptorLimit, limit > 0, limit < UInt64(Int64.max) else { return nil }
        return Double(openFDs) / Double(limit) * 100
    }

    /// Makes metrics from their parts; the supervisor's sampler computes them from two /proc readings.
    public init(
        cpuPercent: Double, rssBytes: UInt64, threads: Int, openFDs: Int, memoryLimitBytes: UInt64? = nil,
        descriptorLimit: UInt64? = nil, zombies: Int = 0, logLinesPerSecond: Double? = nil
    ) {
        self.cpuPercent = cpuPercent
        self.rssBytes = rssBytes
        self.threads = threads
        self.openFDs = openFDs
        self.memoryLimitBytes = memoryLimitBytes
        self.descriptorLimit = descriptorLimit
        self.zombies = zombies
        self.logLinesPerSecond = logLinesPerSecond
    }
}
