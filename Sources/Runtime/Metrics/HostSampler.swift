#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Samples the host from /proc/stat, /proc/meminfo, /proc/loadavg, `statvfs(2)` and the clocks; keeps the previous
/// CPU counters and clock offset so that each sample's CPU figure and clock jump cover the time since the last one.
struct HostSampler: Sendable {
    /// The path whose file system's free space is reported (the state directory is a good choice).
    let diskPath: String
    private var previousCPU: ProcParser.HostCPUTimes?
    private var clocks = ClockJumpDetector()

    init(diskPath: String = "/") {
        self.diskPath = diskPath
    }

    /// Takes a sample; nil if /proc cannot be read or `diskPath` does not exist.
    mutating func sample() -> HostSample? {
        // Only the first line of /proc/stat is parsed; its per-CPU and interrupt lines can be many KiB.
        guard let cpu = ProcFile.withContents(of: "/proc/stat", capacity: 512, ProcParser.hostCPUTimes),
            let memory = ProcFile.withContents(of: "/proc/meminfo", capacity: 512, ProcParser.memoryInfo),
            let load = ProcFile.withContents(of: "/proc/loadavg", capacity: 128, ProcParser.load1),
            let diskFree = Self.freeBytes(diskPath)
        else { return nil }
        var cpuPercent: Double?
        if let previousCPU, cpu.total > previousCPU.total, cpu.idle >= previousCPU.idle {
            let total = cpu.total - previousCPU.total
            let idle = min(cpu.idle - previousCPU.idle, total)
            cpuPercent = Double(total - idle) / Double(total) * 100
        }
        previousCPU = cpu
        let used =
            memory.totalKiB > 0
            ? Double(memory.totalKiB - min(memory.availableKiB, memory.totalKiB)) / Double(memory.totalKiB) * 100
            : 0
        let jump = clocks.observe(wall: Self.seconds(CLOCK_REALTIME), boot: Self.seconds(CLOCK_BOOTTIME))
        return HostSample(
            cpuPercent: cpuPercent, memoryUsedPercent: used, load1: load, diskFreeBytes: diskFree,
            clockJumpSeconds: jump)
    }

    private static func seconds(_ clock: clockid_t) -> Double {
        var now = timespec()
        clock_gettime(clock, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private static func freeBytes(_ path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) &* UInt64(info.f_frsize)
    }
}
