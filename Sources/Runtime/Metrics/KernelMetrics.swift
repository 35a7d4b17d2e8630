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

    /// Resident memory as a percentage of the enforced limit; nil without one.
    public var memoryPercent: Double? {
        guard let limit = memoryLimitBytes, limit > 0 else { return nil }
        return Double(rssBytes) / Double(limit) * 100
    }

    /// Makes metrics from their parts; the supervisor's sampler computes them from two /proc readings.
    public init(cpuPercent: Double, rssBytes: UInt64, threads: Int, openFDs: Int, memoryLimitBytes: UInt64? = nil) {
        self.cpuPercent = cpuPercent
        self.rssBytes = rssBytes
        self.threads = threads
        self.openFDs = openFDs
        self.memoryLimitBytes = memoryLimitBytes
    }
}
