import CGraceSystem
import Foundation
import Glibc

/// Processes a previous, crashed Grace left behind. They are no longer Grace's children (so no waitpid):
/// a pidfd says when the group leader is gone, without polling.
enum LeftoverProcess {
    /// Whether `pid` still exists and still leads the recorded process group (a recycled pid would not).
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
