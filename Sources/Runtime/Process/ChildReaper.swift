import CGraceSystem
import Foundation
import Synchronization

/// Reaps every child of this process the moment it exits, on one dedicated thread blocked in waitpid(-1):
/// no polling, and with Grace as child subreaper, orphaned grandchildren are reaped too.
///
/// A child can exit before its spawner has registered interest in it; such statuses wait in `unclaimed`
/// until claimed (bounded: the oldest are dropped, they were orphans nobody will ask for).
public final class ChildReaper: Sendable {
    public typealias Handler = @Sendable (ExitStatus) -> Void

    /// The one reaper of this process: waitpid(-1) reaps every child, so there can only be one.
    public static let shared = ChildReaper()

    private struct State {
        var handlers: [Int32: Handler] = [:]
        var unclaimed: [Int32: ExitStatus] = [:]
        var unclaimedOrder: [Int32] = []
        var orphansReaped = 0
        var started = false
    }

    private let state = Mutex(State())
    /// Signalled at each spawn so the thread wakes from "no children" without polling.
    private let childAdded = DispatchSemaphore(value: 0)
    private static let unclaimedLimit = 4096

    private init() {}

    /// Becomes child subreaper (orphans of kernels are re-parented to Grace) and starts the reaper thread.
    public func start() {
        let first = state.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started
        }
        guard first else { return }
        _ = grace_set_child_subreaper()
        let thread = Thread { [self] in self.loop() }
        thread.name = "grace-reaper"
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// Call right after spawning `pid`: `handler` runs once, on the reaper thread, when it exits.
    public func watch(_ pid: Int32, handler: @escaping Handler) {
        let early = state.withLock { s -> ExitStatus? in
            if let status = s.unclaimed.removeValue(forKey: pid) {
                s.unclaimedOrder.removeAll { $0 == pid }
                s.orphansReaped -= 1
                return status
            }
            s.handlers[pid] = handler
            return nil
        }
        if let early {
            handler(early)
        }
    }

    /// Waits for `pid` to exit.
    public func exit(of pid: Int32) async -> ExitStatus {
        await withCheckedContinuation { continuation in
            watch(pid) { continuation.resume(returning: $0) }
        }
    }

    /// Tells the reaper thread a child now exists.
    public func childSpawned() {
        childAdded.signal()
    }

    /// Children reaped that no one claimed (orphans re-parented to Grace, mostly).
    public var orphansReaped: Int { state.withLock { $0.orphansReaped } }

    private func loop() {
        while true {
            var status: Int32 = 0
            let pid = grace_wait_any(&status)
            if pid == 0 {
                childAdded.wait()
                continue
            }
            if pid < 0 { continue }  // EINTR
            let exit = ExitStatus(waitStatus: status)
            let handler = state.withLock { s -> Handler? in
                if let h = s.handlers.removeValue(forKey: pid) { return h }
                s.unclaimed[pid] = exit
                s.unclaimedOrder.append(pid)
                s.orphansReaped += 1
                if s.unclaimedOrder.count > Self.unclaimedLimit {
                    let old = s.unclaimedOrder.removeFirst()
                    s.unclaimed.removeValue(forKey: old)
                }
                return nil
            }
            handler?(exit)
        }
    }
}
