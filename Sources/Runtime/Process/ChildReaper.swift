import CGraceSystem
import Foundation
import Glibc
import Interpreter
import Synchronization

/// Reaps children the moment they exit, on one dedicated thread; never by polling.
///
/// Two modes. `.allChildren` (the daemon): the thread blocks in waitpid(-1), and with Grace as child
/// subreaper orphaned grandchildren of kernels are reaped too. `.registeredOnly` (a library inside a process
/// that also uses Foundation's `Process`, such as the test runner): each spawned child gets a pidfd, the
/// thread waits in epoll on them and reaps exactly those pids, leaving every other child to its owner.
///
/// A child can exit before its spawner has registered interest in it; such statuses wait in `unclaimed`
/// until claimed (bounded: the oldest are dropped, they were orphans nobody will ask for).
///
/// One reaper is made per Grace (by `buildServiceGroup`) and passed to whatever spawns. A process may hold
/// several `.registeredOnly` reapers (tests do), but only one `.allChildren` reaper and none beside it: waitpid(-1)
/// takes every child.
public final class ChildReaper: Sendable {
    /// Called with a child's exit status on the reaper's thread (on the caller of `watch` for a child that had
    /// exited already): hand it on, do not block.
    public typealias Handler = @Sendable (ExitStatus) -> Void

    /// Which children the reaper takes; see the type's description.
    public enum Mode: Sendable {
        /// Every child, by waitpid(-1), with Grace as the child subreaper: `grace run`.
        case allChildren
        /// Only the children spawned through this reaper, by their pidfds: a process that has other children too.
        case registeredOnly
    }

    private struct State {
        var mode: Mode = .registeredOnly
        var epoll: Int32 = -1
        var wake: Int32 = -1
        var pidfds: [Int32: Int32] = [:]  // pidfd -> pid (registeredOnly)
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

    /// A reaper that reaps nothing until `start(mode:)`.
    public init() {}

    /// Starts the reaper thread (once; later calls are ignored). `.allChildren` also makes Grace the child
    /// subreaper, so orphans of kernels are re-parented to it.
    public func start(mode: Mode = .allChildren) {
        let first = state.withLock { s -> Bool in
            defer { s.started = true }
            if !s.started {
                s.mode = mode
                if mode == .registeredOnly {
                    s.epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
                    s.wake = eventfd(0, Int32(EFD_CLOEXEC))
                    var event = epoll_event()
                    event.events = EPOLLIN.rawValue
                    event.data.fd = s.wake
                    epoll_ctl(s.epoll, EPOLL_CTL_ADD, s.wake, &event)
                }
            }
            return !s.started
        }
        guard first else { return }
        if mode == .allChildren { _ = grace_set_child_subreaper() }
        let thread = Thread { [self] in
            IOReactor.nameCurrentThread("grace-reaper")
            if mode == .allChildren { self.loop() } else { self.epollLoop() }
        }
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// Called by the spawner for every child, before anything can reap it: in `.registeredOnly` mode the
    /// child's pidfd joins the epoll set (a zombie still has a valid pidfd, so there is no race).
    func adopt(_ pid: Int32) {
        state.withLock { s in
            guard s.mode == .registeredOnly, s.epoll >= 0 else { return }
            let fd = grace_pidfd_open(pid)
            guard fd >= 0 else { return }
            s.pidfds[fd] = pid
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.fd = fd
            epoll_ctl(s.epoll, EPOLL_CTL_ADD, fd, &event)
        }
    }

    private func epollLoop() {
        let epfd = state.withLock { $0.epoll }
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        while true {
            let n = epoll_wait(epfd, &events, Int32(events.count), -1)
            if n < 0 { continue }  // EINTR
            for i in 0..<Int(n) {
                let fd = events[i].data.fd
                let pid = state.withLock { s -> Int32? in
                    guard let pid = s.pidfds.removeValue(forKey: fd) else { return nil }
                    epoll_ctl(s.epoll, EPOLL_CTL_DEL, fd, nil)
                    return pid
                }
                guard let pid else { continue }
                close(fd)
                var status: Int32 = 0
                var result: Int32
                repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
                if result == pid { deliver(pid, ExitStatus(waitStatus: status)) }
            }
        }
    }

    /// Call right after spawning `pid`: `handler` runs once when it exits, on the reaper thread, or at once on the
    /// calling thread when the reaper already took its exit.
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
            deliver(pid, ExitStatus(waitStatus: status))
        }
    }

    private func deliver(_ pid: Int32, _ exit: ExitStatus) {
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
