#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads small kernel-generated files (/proc, cgroupfs) into a stack buffer and hands the bytes to a parser.
///
/// Sampling runs every few seconds for every kernel, so it must not allocate: the buffer is a temporary stack
/// allocation reused for the whole read, paths are built in place, and parsers work on the raw bytes.
enum ProcFile {
    /// Reads at most `capacity` bytes of the file at `path` and parses them; nil if the file cannot be opened
    /// or read (for a /proc/PID file this means the process is gone).
    static func withContents<Result>(
        of path: UnsafePointer<CChar>,
        capacity: Int,
        _ parse: (UnsafeBufferPointer<UInt8>) -> Result?
    ) -> Result? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer -> Result? in
            guard let base = buffer.baseAddress else { return nil }
            var filled = 0
            // procfs usually answers in one read; loop for files larger than one page.
            while filled < capacity {
                let count = read(fd, base + filled, capacity - filled)
                if count > 0 {
                    filled += count
                } else if count == 0 {
                    break
                } else if errno == EINTR {
                    continue
                } else {
                    return nil
                }
            }
            return parse(UnsafeBufferPointer(start: base, count: filled))
        }
    }

    /// Reads the file at a Swift path (used for cgroup files, where paths are not on a hot loop).
    static func withContents<Result>(
        of path: String,
        capacity: Int,
        _ parse: (UnsafeBufferPointer<UInt8>) -> Result?
    ) -> Result? {
        path.withCString { withContents(of: $0, capacity: capacity, parse) }
    }

    /// Calls `body` with the NUL-terminated path `/proc/<pid>/<leaf>`, built on the stack.
    static func withProcessPath<Result>(
        pid: Int32,
        _ leaf: StaticString,
        _ body: (UnsafePointer<CChar>) -> Result
    ) -> Result {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let base = buffer.baseAddress!
            var length = 0
            func append(_ byte: UInt8) {
                base[length] = CChar(bitPattern: byte)
                length += 1
            }
            for byte in "/proc/".utf8 { append(byte) }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            var value = UInt32(bitPattern: pid)
            withUnsafeMutableBytes(of: &digits) { scratch in
                repeat {
                    scratch[count] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                    count += 1
                } while value > 0
                for position in stride(from: count - 1, through: 0, by: -1) { append(scratch[position]) }
            }
            append(UInt8(ascii: "/"))
            let leafStart = leaf.utf8Start
            for offset in 0..<min(leaf.utf8CodeUnitCount, 64 - length - 1) { append(leafStart[offset]) }
            base[length] = 0
            return body(UnsafePointer(base))
        }
    }
}
