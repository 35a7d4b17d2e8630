import Foundation

/// The TCP ports a process listens on, read from /proc: its descriptors' socket inodes matched against the
/// LISTEN entries (state 0A) of /proc/net/tcp and tcp6. What `add_health_probe` probes.
enum ListeningPorts {
    /// Ports `pid` listens on, ascending; empty when /proc cannot tell (not Linux, not our process, gone).
    static func of(pid: Int32) -> [Int] {
        let fdDirectory = "/proc/\(pid)/fd"
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdDirectory) else { return [] }
        var inodes: Set<String> = []
        for fd in fds {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(fd)"),
                target.hasPrefix("socket:[")
            else { continue }
            inodes.insert(String(target.dropFirst("socket:[".count).dropLast()))
        }
        guard !inodes.isEmpty else { return [] }
        var ports: Set<Int> = []
        for table in ["/proc/\(pid)/net/tcp", "/proc/\(pid)/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                guard fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])),
                    let colon = fields[1].lastIndex(of: ":"),
                    let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16)
                else { continue }
                ports.insert(port)
            }
        }
        return ports.sorted()
    }
}
