import Foundation

/// Who a pid is now, from `/proc/PID/stat`: its parent and its start time (field 22, in clock ticks since boot). A
/// pid that was reused belongs to a process with another start time, so the pair identifies one process.
struct ProcessIdentity: Sendable, Equatable {
    var parent: Int32
    var startTicks: UInt64

    /// The identity of `pid`, or nil when it does not exist (or /proc cannot be read).
    static func of(_ pid: Int32) -> ProcessIdentity? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// Parses a `stat` line; the command name (field 2) may hold spaces and parentheses, so fields are counted from
    /// its last `)`.
    static func parse(_ line: String) -> ProcessIdentity? {
        guard let close = line.lastIndex(of: ")") else { return nil }
        // Field 3 (state) is the first after the name.
        let fields = line[line.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 19, let parent = Int32(fields[1]), let start = UInt64(fields[19]) else { return nil }
        return ProcessIdentity(parent: parent, startTicks: start)
    }
}
