import CGraceSystem
import Foundation
import Glibc

/// Processes a previous, crashed Grace left behind. They are no longer Grace's children (so no waitpid):
/// a pidfd says when the group leader is gone, without polling.
enum LeftoverProcess {
    /// Environment variables every kernel carries, so that a new Grace finds what a crashed one started even
    /// when it died between spawning a kernel and recording it.
    static let kernelVariable = "GRACE_KERNEL"
    static let stateVariable = "GRACE_STATE_DIR"

    /// Process group leaders whose environment says they are kernels of the Grace using `stateDirectory`:
    /// kernel name -> pid. Reads /proc/PID/environ of every process this user may read.
    static func scan(stateDirectory: String) -> [(kernel: String, pid: Int32)] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let me = getpid()
        var found: [(String, Int32)] = []
        let stateEntry = Array("\(stateVariable)=\(stateDirectory)".utf8)
        let kernelPrefix = Array("\(kernelVariable)=".utf8)
        for entry in entries {
            guard let pid = Int32(entry), pid != me, getpgid(pid) == pid,
                let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ")
            else { continue }
            let variables = data.split(separator: 0)
            guard variables.contains(where: { Array($0) == stateEntry }),
                let kernel = variables.first(where: { $0.starts(with: kernelPrefix) })
            else { continue }
            found.append((String(decoding: kernel.dropFirst(kernelPrefix.count), as: UTF8.self), pid))
        }
        return found
    }

    /// How far a process's start, as /proc tells it, may be from the time Grace recorded when it spawned it: the
    /// boot time /proc gives is whole seconds, and the record is written just after the spawn.
    static let startTolerance: TimeInterval = 3

    /// When `pid` started, by the wall clock: the boot time (`btime` of /proc/stat) plus its start in clock ticks
    /// after boot (field 22 of /proc/PID/stat). nil when it does not exist. A step of the clock since boot moves
    /// `btime` with it, so the result is what the clock said then, give or take the step.
    static func startTime(of pid: Int32) -> Date? {
        guard let identity = ProcessIdentity.of(pid),
            let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard ticks > 0 else { return nil }
        return Date(timeIntervalSince1970: boot + Double(identity.startTicks) / ticks)
    }

    /// Whether `pid` still exists and still leads the recorded process group. Not enough on its own: a recycled pid
    /// may lead a group of its own too, which `startTime(of:)` tells apart.
    static func matches(pid: Int32, processGroup: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        return getpgid(pid) == processGroup
    }

    /// Sends `signal` to the group, waits up to `grace` for the leader to exit, then SIGKILLs the group.
    /// Returns how it ended: "signal" or "killed".
    static func stop(pid: Int32, processGroup: Int32, signal: Int32, grace: Duration) async -> String {
        let pidfd = grace_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        _ = grace_kill_group(processGroup, signal)
        let exited = await waitForExit(pidfd: pidfd, pid: pid, timeout: grace)
        _ = grace_kill_group(processGroup, SIGKILL)
        if !exited { _ = await waitForExit(pidfd: pidfd, pid: pid, timeout: .seconds(5)) }
        return exited ? "signal" : "killed"
    }

    private static func waitForExit(pidfd: Int32, pid: Int32, timeout: Duration) async -> Bool {
        let ms = Int32(clamping: timeout.milliseconds)
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                if pidfd >= 0 {
                    var fds = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                    let n = poll(&fds, 1, ms)
                    continuation.resume(returning: n > 0)
                } else {
                    // No pidfd (old kernel): check once a little later. Rare path, bounded.
                    let deadline = Date().addingTimeInterval(Double(ms) / 1000)
                    while Date() < deadline, kill(pid, 0) == 0 { usleep(20_000) }
                    continuation.resume(returning: kill(pid, 0) != 0)
                }
            }
        }
    }
}
