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

    /// Makes metrics from their parts; the supervisor's sampler computes them from two /proc readings.
    public init(cpuPercent: Double, rssBytes: UInt64, threads: Int, openFDs: Int) {
        self.cpuPercent = cpuPercent
        self.rssBytes = rssBytes
        self.threads = threads
        self.openFDs = openFDs
    }
}
