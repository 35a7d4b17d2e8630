/// What Grace reports about a running kernel's process: the figures that `metric:` triggers watch.
public struct KernelMetrics: Sendable, Equatable {
    /// CPU time over the last sampling window as a percentage of one core, like `top` (a process busy on two
    /// cores reads 200).
    public var cpuPercent: Double
    public var rssBytes: UInt64
    public var threads: Int
    public var openFDs: Int

    public init(cpuPercent: Double, rssBytes: UInt64, threads: Int, openFDs: Int) {
        self.cpuPercent = cpuPercent
        self.rssBytes = rssBytes
        self.threads = threads
        self.openFDs = openFDs
    }
}
