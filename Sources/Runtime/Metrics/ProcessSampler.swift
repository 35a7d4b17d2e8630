#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Samples one process from /proc: three files opened, no heap allocation.
///
/// /proc/PID/stat gives CPU ticks, thread count and resident pages in one read; the descriptor count comes from
/// `stat(2)` on /proc/PID/fd, whose size is the number of open descriptors since Linux 6.2, with a directory
/// scan as the fallback on older kernels.
enum ProcessSampler {
    static let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))

    /// Samples `pid`; nil when the process is gone (or is a zombie waiting to be reaped).
    static func sample(pid: Int32) -> ProcessSample? {
        guard pid > 0 else { return nil }
        let time = ContinuousClock.now
        let stat = ProcFile.withProcessPath(pid: pid, "stat") { path in
            ProcFile.withContents(of: path, capacity: 1024, ProcParser.processStat)
        }
        guard let stat, stat.state != UInt8(ascii: "Z"), stat.state != UInt8(ascii: "X") else { return nil }
        let descriptors = ProcFile.withProcessPath(pid: pid, "fd") { countDescriptors(directory: $0) }
        return ProcessSample(
            pid: pid,
            cpuTicks: stat.userTicks &+ stat.systemTicks,
            rssBytes: stat.residentPages &* pageSize,
            threads: stat.threads,
            openFDs: descriptors,
            time: time,
            descriptorLimit: descriptorLimit(pid: pid)
        )
    }

    /// The soft RLIMIT_NOFILE of `pid`, from /proc/PID/limits; nil when unreadable or unlimited.
    static func descriptorLimit(pid: Int32) -> UInt64? {
        ProcFile.withProcessPath(pid: pid, "limits") { path in
            ProcFile.withContents(of: path, capacity: 2048, ProcParser.openFilesLimit)
        }
    }

    static func countDescriptors(directory: UnsafePointer<CChar>) -> Int {
        var info = stat()
        guard stat(directory, &info) == 0 else { return 0 }
        if info.st_size > 0 { return Int(info.st_size) }
        // Before Linux 6.2 the size is 0: count the entries.
        guard let dir = opendir(directory) else { return 0 }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".")
            }
            if !isDot { count += 1 }
        }
        return count
    }
}
