import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// Test support shared by the test targets that start child processes.

/// Waits for a child of this process to end, without reaping it: its exit code, or the number of the signal that
/// ended it; nil when it was reaped already (by Foundation, which then knows its status).
///
/// Not `Process.waitUntilExit()` alone: Foundation on Linux at times misses a child's exit when many run at once
/// (seen in CI: `grace` a zombie, `waitUntilExit` blocked for good, and the whole test run with it). waitid(2) with
/// WNOWAIT sees the exit whatever Foundation noticed, and leaves the reaping to it.
public func childExitStatus(_ pid: Int32) -> Int32? {
    var info = siginfo_t()
    while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 {
        guard errno == EINTR else { return nil }
    }
    return info._sifields._sigchld.si_status
}

extension Process {
    /// Blocks until the process has ended; its exit code or signal number (see `childExitStatus`).
    public func exitStatus() -> Int32 {
        if let status = childExitStatus(processIdentifier) { return status }
        waitUntilExit()  // reaped by Foundation: it knows the status
        return terminationStatus
    }

    /// `exitStatus()` on a thread of its own, so that the wait never holds one of the cooperative pool's threads
    /// (two such waits starve every other test of the run). A process still running after `limit` is killed with
    /// SIGKILL, so the wait is bounded: its status is then 9, the signal, which the test sees as a failure.
    public func exited(killingAfter limit: Duration = TestWait.standard) async -> Int32 {
        let process = self
        let pid = processIdentifier
        let ended = WaitEnded()
        let watchdog = Task {
            guard (try? await Task.sleep(for: limit)) != nil else { return }
            ended.state.withLock { if !$0 { kill(pid, SIGKILL) } }
        }
        let status = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: process.exitStatus()) }.start()
        }
        // Once the wait is over the pid may be reused: no late SIGKILL.
        ended.state.withLock { $0 = true }
        watchdog.cancel()
        return status
    }
}

/// Whether a wait for a child is over (then its pid may be reused: no late SIGKILL).
private final class WaitEnded: Sendable {
    let state = Mutex(false)
}
