/// Parsing and formatting of cgroup v2 interface files, kept apart from the I/O so it is tested from fixtures.
enum CgroupFiles {
    /// The controllers Grace enables for kernel groups, when the parent offers them.
    static let wantedControllers = ["cpu", "memory", "pids"]

    /// `cpu.max` period in microseconds (the kernel's default).
    static let cpuPeriodMicroseconds: UInt64 = 100_000

    /// The unified-hierarchy path from /proc/self/cgroup (the `0::/path` line); nil if there is none or it
    /// leaves the visible hierarchy (`/..`, seen from inside a cgroup namespace).
    static func unifiedPath(procSelfCgroup text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("0::") {
            let path = String(line.dropFirst(3))
            guard path.hasPrefix("/"), !path.split(separator: "/").contains(where: { $0 == ".." }) else { return nil }
            return path
        }
        return nil
    }

    /// The type of the file system mounted at `mountPoint` according to /proc/self/mountinfo; the last mount
    /// wins, as it hides the earlier ones. Lines look like
    /// `31 23 0:28 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw,nsdelegate`.
    static func fileSystemType(mountInfo text: String, mountPoint: String) -> String? {
        var type: String?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4, unescapeMountPath(fields[4]) == mountPoint,
                let separator = fields[5...].firstIndex(of: "-"), separator + 1 < fields.count
            else { continue }
            type = String(fields[separator + 1])
        }
        return type
    }

    /// Undoes mountinfo's octal escapes (`\040` for a space).
    private static func unescapeMountPath(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count,
                let value = UInt8(String(decoding: utf8[(index + 1)...(index + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A single number file such as `memory.current` or `pids.current`; nil for `max` or garbage.
    static func number(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        var scanner = ByteScanner(bytes)
        return scanner.readUInt64()
    }

    /// The value of `key` in a flat keyed file such as `cpu.stat` or `memory.events` (`key value` lines).
    static func keyedValue(_ bytes: UnsafeBufferPointer<UInt8>, key: String) -> UInt64? {
        var scanner = ByteScanner(bytes)
        var key = key
        return key.withUTF8 { name -> UInt64? in
            while !scanner.isAtEnd {
                let start = scanner.index
                let end = start + name.count
                if end < bytes.count, bytes[end] == UInt8(ascii: " "),
                    UnsafeBufferPointer(rebasing: bytes[start..<end]).elementsEqual(name)
                {
                    scanner.index = end
                    return scanner.readUInt64()
                }
                scanner.skipLine()
            }
            return nil
        }
    }

    /// The controller names listed in `cgroup.controllers` or `cgroup.subtree_control`.
    static func controllers(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    /// The `cpu.max` line for a limit in percent of one core: `"50000 100000"` for 50 %; the kernel's minimum
    /// quota is 1 ms.
    static func cpuMax(percent: Double) -> String {
        let quota = max(1000, UInt64((percent / 100 * Double(cpuPeriodMicroseconds)).rounded()))
        return "\(quota) \(cpuPeriodMicroseconds)"
    }

    /// Whether `name` is usable as a kernel group directory name.
    static func isValidGroupName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200 && name != "." && name != ".."
            && !name.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == 0 || $0 == UInt8(ascii: "\n") })
    }
}
