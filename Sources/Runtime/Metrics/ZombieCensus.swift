#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Counts the zombies of every kernel in one pass over /proc: processes in state `Z` whose process group is a
/// kernel's (a kernel leads its own group) or whose parent is a kernel's main process (a child that moved to a
/// group of its own is still its parent's to reap).
///
/// A zombie holds only a process-table slot, but a kernel that never reaps its children fills the table (and its
/// `limits.nproc`) until forks fail. Grace, the child subreaper, reaps them once their parent is gone, which is why
/// a restart clears them. One pass reads one small file per process on the host; with a few hundred processes that
/// is a millisecond every metrics interval.
enum ZombieCensus {
    /// Zombies per kernel main process (each also the kernel's process group); kernels with none are absent.
    static func count(kernels: Set<Int32>) -> [Int32: Int] {
        guard !kernels.isEmpty, let dir = opendir("/proc") else { return [:] }
        defer { closedir(dir) }
        var counts: [Int32: Int] = [:]
        while let entry = readdir(dir) {
            guard let pid = pid(of: entry) else { continue }
            let family = ProcFile.withProcessPath(pid: pid, "stat") { path in
                ProcFile.withContents(of: path, capacity: 512, ProcParser.processFamily)
            }
            guard let family, family.state == UInt8(ascii: "Z") else { continue }
            if kernels.contains(family.processGroup) {
                counts[family.processGroup, default: 0] += 1
            } else if kernels.contains(family.parent) {
                counts[family.parent, default: 0] += 1
            }
        }
        return counts
    }

    /// The pid a /proc entry names, nil for the entries that are not processes (`self`, `net`, ...).
    private static func pid(of entry: UnsafeMutablePointer<dirent>) -> Int32? {
        withUnsafeBytes(of: entry.pointee.d_name) { name -> Int32? in
            var value: Int32 = 0
            for byte in name {
                if byte == 0 { break }
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10, value < Int32.max / 10 else { return nil }
                value = value * 10 + Int32(digit)
            }
            return value > 0 ? value : nil
        }
    }
}
