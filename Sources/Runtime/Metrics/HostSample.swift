/// One reading of the host's load, taken by ``HostSampler``.
public struct HostSample: Sendable, Equatable {
    /// Busy time of all CPUs together since the previous sample, 0–100 (100 = every core busy); nil for the
    /// first sample, which has no window yet.
    public var cpuPercent: Double?
    /// (MemTotal − MemAvailable) / MemTotal × 100: memory that cannot be had without swapping.
    public var memoryUsedPercent: Double
    /// One-minute load average.
    public var load1: Double
    /// Bytes available to unprivileged users on the file system of the sampler's `diskPath`.
    public var diskFreeBytes: UInt64
    /// How far the wall clock jumped against the boot clock since the previous sample, in seconds (either way);
    /// nil for the first sample.
    public var clockJumpSeconds: Double?

    /// Makes a sample from its parts; the host sampler fills it from /proc, `statvfs` and the clocks.
    public init(
        cpuPercent: Double?, memoryUsedPercent: Double, load1: Double, diskFreeBytes: UInt64,
        clockJumpSeconds: Double? = nil
    ) {
        self.cpuPercent = cpuPercent
        self.memoryUsedPercent = memoryUsedPercent
        self.load1 = load1
        self.diskFreeBytes = diskFreeBytes
        self.clockJumpSeconds = clockJumpSeconds
    }
}
