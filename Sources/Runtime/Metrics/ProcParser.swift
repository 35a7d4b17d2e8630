/// Parsers for the /proc files behind process and host metrics. Each takes the raw bytes of one file.
enum ProcParser {
    /// The fields Grace uses from /proc/PID/stat.
    struct ProcessStat: Equatable {
        /// Single-letter state: R, S, D, Z, T, ...
        var state: UInt8
        /// Clock ticks in user and kernel mode (fields 14 and 15).
        var userTicks: UInt64
        var systemTicks: UInt64
        /// Field 20.
        var threads: Int
        /// Resident set in pages (field 24): the same counter as the second field of /proc/PID/statm
        /// (file + anonymous + shmem pages), read from the file Grace opens anyway.
        var residentPages: UInt64
    }

    /// Where a process stands among processes, from /proc/PID/stat: its state, parent and process group.
    struct ProcessFamily: Equatable {
        var state: UInt8
        /// Field 4.
        var parent: Int32
        /// Field 5.
        var processGroup: Int32
    }

    /// Aggregate CPU time of the host, from the first (`cpu `) line of /proc/stat.
    struct HostCPUTimes: Equatable {
        /// All ticks (user, nice, system, idle, iowait, irq, softirq, steal; guest time is already inside user).
        var total: UInt64
        /// Ticks in idle and iowait.
        var idle: UInt64
    }

    struct MemoryInfo: Equatable {
        var totalKiB: UInt64
        var availableKiB: UInt64
    }

    /// Parses /proc/PID/stat.
    ///
    /// The second field is the command name in parentheses, and that name may itself contain spaces and
    /// parentheses (a process can call itself `a) (b`), so the fixed fields are counted from the *last* `)`.
    static func processStat(_ bytes: UnsafeBufferPointer<UInt8>) -> ProcessStat? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var scanner = ByteScanner(bytes, from: close + 1)
        scanner.skipBlanks()
        guard !scanner.isAtEnd else { return nil }
        let state = bytes[scanner.index]
        scanner.index += 1
        scanner.skipFields(10)  // 4 ppid ... 13 cmajflt
        guard let user = scanner.readUInt64(), let system = scanner.readUInt64() else { return nil }
        scanner.skipFields(4)  // 16 cutime, 17 cstime, 18 priority, 19 nice
        guard let threads = scanner.readUInt64() else { return nil }
        scanner.skipFields(3)  // 21 itrealvalue, 22 starttime, 23 vsize
        guard let rss = scanner.readClampedInt() else { return nil }
        return ProcessStat(
            state: state, userTicks: user, systemTicks: system, threads: Int(clamping: threads), residentPages: rss)
    }

    /// Parses state, parent and process group from /proc/PID/stat, counting fields after the last `)` as
    /// `processStat` does.
    static func processFamily(_ bytes: UnsafeBufferPointer<UInt8>) -> ProcessFamily? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var scanner = ByteScanner(bytes, from: close + 1)
        scanner.skipBlanks()
        guard !scanner.isAtEnd else { return nil }
        let state = bytes[scanner.index]
        scanner.index += 1
        guard let parent = scanner.readUInt64(), let group = scanner.readUInt64(), parent <= UInt64(Int32.max),
            group <= UInt64(Int32.max)
        else { return nil }
        return ProcessFamily(state: state, parent: Int32(parent), processGroup: Int32(group))
    }

    /// Parses the first line of /proc/stat.
    static func hostCPUTimes(_ bytes: UnsafeBufferPointer<UInt8>) -> HostCPUTimes? {
        var scanner = ByteScanner(bytes)
        guard scanner.consume("cpu ") else { return nil }
        var fields: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        var read = 0
        withUnsafeMutableBytes(of: &fields) { raw in
            let values = raw.bindMemory(to: UInt64.self)
            while read < 8, let value = scanner.readUInt64() {
                values[read] = value
                read += 1
            }
        }
        // Linux has printed at least user..irq..softirq (7 fields) since 2.6.
        guard read >= 4 else { return nil }
        let total = fields.0 &+ fields.1 &+ fields.2 &+ fields.3 &+ fields.4 &+ fields.5 &+ fields.6 &+ fields.7
        return HostCPUTimes(total: total, idle: fields.3 &+ fields.4)
    }

    /// Parses MemTotal and MemAvailable (kB) from /proc/meminfo.
    static func memoryInfo(_ bytes: UnsafeBufferPointer<UInt8>) -> MemoryInfo? {
        var scanner = ByteScanner(bytes)
        guard scanner.seekLine(startingWith: "MemTotal:"), let total = scanner.readUInt64() else { return nil }
        guard scanner.seekLine(startingWith: "MemAvailable:"), let available = scanner.readUInt64() else {
            return nil
        }
        return MemoryInfo(totalKiB: total, availableKiB: available)
    }

    /// Parses the soft limit of `Max open files` from /proc/PID/limits; nil when it is `unlimited`.
    static func openFilesLimit(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        var scanner = ByteScanner(bytes)
        guard scanner.seekLine(startingWith: "Max open files") else { return nil }
        return scanner.readUInt64()
    }

    /// Parses the one-minute load average, the first field of /proc/loadavg.
    static func load1(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var scanner = ByteScanner(bytes)
        return scanner.readDouble()
    }

    /// Convenience for tests and fixtures: runs a parser over the UTF-8 of `text`.
    static func parse<Result>(_ text: String, with parser: (UnsafeBufferPointer<UInt8>) -> Result?) -> Result? {
        var text = text
        return text.withUTF8 { parser($0) }
    }
}
