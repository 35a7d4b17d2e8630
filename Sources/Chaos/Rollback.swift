import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One thing a drill must undo, written down before the fault is injected so that it is undone even when the drill
/// fails, is interrupted, or its runner dies (the next `grace chaos` finishes the ledger first).
public enum Rollback: Codable, Sendable, Equatable {
    /// SIGCONT to a process group stopped by `hang`, if its leader is still the process that was stopped.
    case resume(pid: Int32, startTime: UInt64)
    /// Kill a helper process the drill started (a port holder, stress-ng, a proxy), if it is still that process.
    case killProcess(pid: Int32, startTime: UInt64, what: String)
    /// Put a file back as it was, unless someone (Grace) already repaired it: only when its bytes at `offset` are
    /// still the garbage the drill wrote.
    case restoreCorrupted(path: String, backup: String, offset: UInt64, garbageSHA: String)
    /// Put a document back as it was, if it still holds the drill's edit.
    case restoreDocument(path: String, original: String, edited: String)
    /// Unmount the filesystem a `disk_full` drill mounted.
    case unmount(path: String)
    /// Delete the nftables table a drill created.
    case deleteTable(family: String, name: String)
    /// POST a kernel's undo endpoint.
    case post(url: String)
    /// Stop a Grace instance the drill started for itself (SIGTERM: an orderly exit).
    case stopInstance(pid: Int32, startTime: UInt64, instance: String)
    /// Start again a Grace instance the drill killed, and wait for it to answer.
    case startInstance(instance: String)

    /// For reports: what this rollback does.
    public var summary: String {
        switch self {
        case .resume(let pid, _): "SIGCONT to process group \(pid)"
        case .killProcess(let pid, _, let what): "stop \(what) (pid \(pid))"
        case .restoreCorrupted(let path, _, _, _): "restore \(path) unless Grace did"
        case .restoreDocument(let path, _, _): "restore \(path) unless it changed since"
        case .unmount(let path): "unmount \(path)"
        case .deleteTable(let family, let name): "delete nftables table \(family) \(name)"
        case .post(let url): "POST \(url)"
        case .stopInstance(_, _, let instance): "stop instance \(instance) (started for the drill)"
        case .startInstance(let instance): "start instance \(instance) again"
        }
    }
}

/// The rollbacks of the drill in progress, kept in a JSON file so that they survive the runner.
public actor RollbackLedger {
    private let url: URL
    private var pending: [Rollback] = []

    /// Opens the ledger at `url`, reading what a previous runner left.
    public init(url: URL) {
        self.url = url
        if let data = try? Data(contentsOf: url), let list = try? JSONDecoder().decode([Rollback].self, from: data) {
            pending = list
        }
    }

    /// What is still to be undone, oldest first.
    public var items: [Rollback] { pending }

    /// Records a rollback before its fault is injected.
    public func add(_ rollback: Rollback) {
        pending.append(rollback)
        save()
    }

    /// Removes the rollbacks done (or found unnecessary), newest first, and returns them.
    public func takeAll() -> [Rollback] {
        let all = pending.reversed()
        return Array(all)
    }

    /// Marks one rollback done.
    public func done(_ rollback: Rollback) {
        if let i = pending.lastIndex(of: rollback) { pending.remove(at: i) }
        save()
    }

    private func save() {
        try? FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if pending.isEmpty {
            try? FileManager.default.removeItem(at: url)
        } else if let data = try? JSONEncoder().encode(pending) {
            try? data.write(to: url, options: .atomic)
        }
    }
}

/// Processes, identified by pid and start time (a pid alone may be reused).
public enum ProcessIdentity {
    /// The start time (clock ticks after boot) of a live process, from /proc/PID/stat; nil when it is gone.
    public static func startTime(_ pid: Int32) -> UInt64? {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command's closing parenthesis: state is field 3, starttime field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// The process state letter (R, S, T for stopped, Z...) of a live process.
    public static func state(_ pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first?.first
    }

    /// Every live descendant of `pid` (children, their children...), from /proc.
    public static func descendants(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var parent: [Int32: Int32] = [:]
        for entry in entries {
            guard let child = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = Int32(fields[1]) { parent[child] = ppid }
        }
        var found: [Int32] = []
        var frontier = [pid]
        while let next = frontier.popLast() {
            for (child, ppid) in parent where ppid == next {
                found.append(child)
                frontier.append(child)
            }
        }
        return found
    }

    /// Whether `pid` is still the process that started at `startTime`.
    public static func isSame(_ pid: Int32, startTime: UInt64) -> Bool {
        Self.startTime(pid) == startTime
    }
}
