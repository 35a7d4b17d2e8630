import CGraceSystem
import Foundation
import Glibc
import Synchronization

/// One thread in `epoll_wait` serving every descriptor Grace watches: the captured stdout and stderr of each
/// kernel, each kernel's sd_notify socket, the sockets of health probes and HTTP steps, the output pipes of
/// commands. The number of threads therefore stays the same whatever the number of kernels (a thread per
/// descriptor made 3,010 threads for 1,000 kernels).
///
/// Hand-written over Glibc's epoll, not SwiftNIO: GraceDSL, Interpreter and Runtime stay free of SwiftNIO (see
/// Package.swift), and what is needed here is small: level-triggered readiness, an eventfd to wake the thread,
/// and deadlines for one-shot waits.
///
/// Two ways in:
/// - ``register(_:for:handler:onRemove:)``: a handler that runs on the reactor thread at each readiness until
///   it returns `.remove` or ``deregister(_:)`` is called; `onRemove` then runs once, on the reactor thread,
///   after the handler's last run, which makes it the place to close the descriptor.
/// - ``readable(_:until:)`` and ``writable(_:until:)``: a task suspends (no thread waits) until the descriptor
///   is ready, the deadline passes or the task is cancelled.
///
/// The reactor is also a `TaskExecutor`: a probe runs its steps (connect, send, read the status line) on the
/// reactor thread with `withTaskExecutorPreference(reactor.executor)`, as it did on a thread of its own before,
/// so that its result does not depend on how busy Swift's cooperative pool is. A pool busy for seconds (tests
/// that hold its few threads, a large reload) would otherwise turn a prompt answer into a timeout.
///
/// Handlers must be quick and must not block: non-blocking reads until `EAGAIN` (or a fair share of it), never a
/// wait for another thread or task. Descriptors of the reactor itself are close-on-exec, since the supervisor
/// forks kernels concurrently.
///
/// There is no process-wide reactor: `grace run` makes one and passes it to the supervisor, the probes and the
/// command runner; tests make their own. The thread ends when the last reference to the reactor goes away, and
/// whatever is still registered then is removed (its `onRemove` runs).
public final class IOReactor: Sendable {
    /// What a handler wants after one run.
    public enum HandlerResult: Sendable {
        /// Keep watching the descriptor.
        case keep
        /// Stop watching: the descriptor leaves the epoll set and `onRemove` runs.
        case remove
    }

    /// A registered descriptor, for ``deregister(_:)``.
    public struct Registration: Sendable, Hashable {
        let token: UInt64
    }

    /// Reads per readiness of one stream in ``readStream(_:name:chunk:end:)``: a fair share, so that a kernel
    /// writing faster than Grace reads cannot starve the others (level-triggered epoll reports the rest at once).
    static let readsPerWakeup = 4
    /// The reactor's one read buffer, shared by every stream since handlers run one at a time.
    static let readBufferBytes = 16 * 1024

    private let core: Core

    /// Starts the reactor thread, named `name`.
    public init(name: String = "grace-io") throws(IOReactorError) {
        core = try Core()
        let thread = Thread { [core] in
            Self.nameCurrentThread(name)
            core.run()
        }
        thread.start()
    }

    deinit {
        core.stop()
    }

    /// Watches `fd` for `interest`; `handler` runs on the reactor thread each time it is ready (level-triggered:
    /// again and again while it stays ready). The descriptor stays the caller's, who must keep it open until
    /// `onRemove` has run and should close it there.
    public func register(
        _ fd: Int32, for interest: IOEvents, handler: @escaping @Sendable (IOEvents) -> HandlerResult,
        onRemove: @escaping @Sendable () -> Void = {}
    ) throws(IOReactorError) -> Registration {
        try core.register(fd, for: interest, handler: handler, onRemove: onRemove)
    }

    /// Stops watching; callable from any thread, any number of times. It never waits: if the handler is running
    /// right now, `onRemove` runs on the reactor thread after it returns, and the handler never runs again.
    public func deregister(_ registration: Registration) {
        core.deregister(registration.token)
    }

    /// Suspends until `fd` is readable (or hung up, or in error), `deadline` passes, or the task is cancelled.
    public func readable(_ fd: Int32, until deadline: ContinuousClock.Instant?) async -> IOWaitResult {
        await core.suspend(fd: fd, interest: .readable, until: deadline)
    }

    /// Suspends until `fd` is writable (for a connecting socket: the attempt has ended, well or not), `deadline`
    /// passes, or the task is cancelled.
    public func writable(_ fd: Int32, until deadline: ContinuousClock.Instant?) async -> IOWaitResult {
        await core.suspend(fd: fd, interest: .writable, until: deadline)
    }

    /// Reads `fd` (a pipe's read end; made non-blocking here, and owned by the reader from now on) until end of
    /// file or a read error: `chunk` gets the bytes of each read on the reactor thread (valid only during the
    /// call); at the end the descriptor is closed and `end` runs.
    ///
    /// Should epoll refuse the descriptor (a regular file or `/dev/null`: `EPERM`; a full epoll set), it is read
    /// on a thread of its own instead, as every capture was before the reactor, rather than not at all.
    /// Returns the registration (nil when read on a thread of its own): deregistering it ends the reading early, as
    /// at end of file.
    @discardableResult
    func readStream(
        _ fd: Int32, name: String, chunk: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Void,
        end: @escaping @Sendable () -> Void
    ) -> Registration? {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let handler: @Sendable (IOEvents) -> HandlerResult = { [core] _ in
            let buffer = core.readBuffer
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var reads = 0
            while reads < Self.readsPerWakeup {
                let count = read(fd, base, buffer.count)
                if count > 0 {
                    chunk(UnsafeBufferPointer(start: base, count: count))
                    // A short read emptied the pipe: another read would only say EAGAIN.
                    if count < buffer.count { return .keep }
                    reads += 1
                } else if count < 0, errno == EINTR {
                    continue
                } else if count < 0, errno == EAGAIN {
                    return .keep
                } else {
                    return .remove  // EOF, or the descriptor is unusable: either way nothing more will come
                }
            }
            return .keep
        }
        let finish: @Sendable () -> Void = {
            _ = Glibc.close(fd)
            end()
        }
        do {
            let token = try core.register(fd, for: .readable, handler: handler, onRemove: finish)
            return token
        } catch {
            _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
            let thread = Thread {
                Self.nameCurrentThread(name)
                let own = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.readBufferBytes)
                defer { own.deallocate() }
                while true {
                    let count = read(fd, own.baseAddress, own.count)
                    if count > 0 {
                        chunk(UnsafeBufferPointer(rebasing: own[..<count]))
                    } else if count < 0, errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
                finish()
            }
            thread.start()
            return nil
        }
    }

    /// Runs the blocking `body` (getaddrinfo of a real name) on one of the reactor's few helper threads, at most
    /// ``BlockingPool/defaultLimit`` at once, started on demand and gone when idle. nil when `deadline` passes or
    /// the task is cancelled first; `body` then still finishes on its own and its result is dropped.
    func runBlocking<T: Sendable>(
        until deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () -> T
    ) async -> T? {
        let result = ResultBox<T>()
        let outcome = await core.suspend(fd: -1, interest: [], until: deadline) { [core] token in
            core.pool.submit {
                let value = body()
                result.value.withLock { $0 = value }
                core.complete(token)
            }
        }
        guard case .ready = outcome else { return nil }
        return result.value.withLock { $0 }
    }

    /// Runs jobs on the reactor thread between readiness events: for code that only makes non-blocking calls
    /// and waits on this reactor (probes), so that it never waits for a thread of the cooperative pool.
    var executor: any TaskExecutor { core }

    /// How many helper threads ``runBlocking(until:_:)`` has started in all (tests).
    var helperThreadsStarted: Int { core.pool.startedThreads }

    /// Gives the calling thread a name the kernel knows (first 15 bytes), for `top -H` and /proc/PID/task/*/comm.
    /// Not `Thread.name`: Foundation on Linux passes it on only when the thread object already knows its pthread,
    /// which a thread that has just started may run ahead of.
    static func nameCurrentThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = write(fd, bytes, bytes.count)
        _ = Glibc.close(fd)
    }
}

private final class ResultBox<T: Sendable>: Sendable {
    let value = Mutex<T?>(nil)
}

extension IOReactor {
    /// Everything the reactor thread needs, apart from the public object, so that the thread does not keep the
    /// reactor alive: dropping the last ``IOReactor`` stops the thread.
    fileprivate final class Core: TaskExecutor {
        typealias Handler = @Sendable (IOEvents) -> HandlerResult
        typealias Remover = @Sendable () -> Void

        struct Registration {
            let fd: Int32
            let handler: Handler
            let onRemove: Remover
        }

        struct Waiter {
            /// -1 for a wait on something other than a descriptor (``runBlocking(until:_:)``).
            let fd: Int32
            let continuation: CheckedContinuation<IOWaitResult, Never>
        }

        struct State {
            /// 0 is the eventfd's.
            var nextToken: UInt64 = 1
            var registrations: [UInt64: Registration] = [:]
            var waiters: [UInt64: Waiter] = [:]
            var deadlines = DeadlineHeap()
            /// `onRemove` of registrations removed from outside the reactor thread, to run on it.
            var removed: [Remover] = []
            /// Jobs of tasks that prefer this reactor as their executor.
            var jobs: [UnownedJob] = []
            var stopping = false
            var stopped = false
        }

        let epoll: Int32
        let wake: Int32
        let state = Mutex(State())
        let pool = BlockingPool(name: "grace-resolve")
        /// Touched only on the reactor thread, by one handler at a time.
        nonisolated(unsafe) let readBuffer: UnsafeMutableRawBufferPointer

        init() throws(IOReactorError) {
            epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
            guard epoll >= 0 else { throw .system(call: "epoll_create1", errno: errno) }
            wake = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
            guard wake >= 0 else {
                let code = errno
                _ = Glibc.close(epoll)
                throw .system(call: "eventfd", errno: code)
            }
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.u64 = 0
            guard epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event) == 0 else {
                let code = errno
                _ = Glibc.close(wake)
                _ = Glibc.close(epoll)
                throw .system(call: "epoll_ctl", errno: code)
            }
            readBuffer = .allocate(byteCount: IOReactor.readBufferBytes, alignment: 16)
        }

        deinit {
            _ = Glibc.close(wake)
            _ = Glibc.close(epoll)
            readBuffer.deallocate()
        }

        func register(
            _ fd: Int32, for interest: IOEvents, handler: @escaping Handler, onRemove: @escaping Remover
        ) throws(IOReactorError) -> IOReactor.Registration {
            let outcome = state.withLock { s -> Result<UInt64, IOReactorError> in
                guard !s.stopping else { return .failure(.system(call: "epoll_ctl", errno: ESHUTDOWN)) }
                let token = s.nextToken
                s.nextToken += 1
                var event = epoll_event()
                event.events = interest.rawValue
                event.data.u64 = token
                guard epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 else {
                    return .failure(.system(call: "epoll_ctl", errno: errno))
                }
                s.registrations[token] = Registration(fd: fd, handler: handler, onRemove: onRemove)
                return .success(token)
            }
            return IOReactor.Registration(token: try outcome.get())
        }

        func deregister(_ token: UInt64) {
            let removed = state.withLock { s -> Remover? in
                guard let registration = s.registrations.removeValue(forKey: token) else { return nil }
                _ = epoll_ctl(epoll, EPOLL_CTL_DEL, registration.fd, nil)
                if s.stopped { return registration.onRemove }
                s.removed.append(registration.onRemove)
                return nil
            }
            // After the thread has ended nobody else will run it.
            if let removed { removed() } else { signal() }
        }

        /// A one-shot wait on `fd` (or, with fd -1, on `complete(_:)`); `started` runs once the wait is in place
        /// (``runBlocking(until:_:)`` submits its job there).
        func suspend(
            fd: Int32, interest: IOEvents, until deadline: ContinuousClock.Instant?,
            started: (@Sendable (UInt64) -> Void)? = nil
        ) async -> IOWaitResult {
            if let deadline, deadline <= .now { return .timedOut }
            let token = state.withLock { s in
                defer { s.nextToken += 1 }
                return s.nextToken
            }
            return await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<IOWaitResult, Never>) in
                    // Checked under the lock: a cancellation that came before the waiter was in place found
                    // nothing to cancel, and one that comes after finds it.
                    let (early, wakeNeeded) = state.withLock { s -> (IOWaitResult?, Bool) in
                        if Task.isCancelled || s.stopping { return (.cancelled, false) }
                        if fd >= 0 {
                            var event = epoll_event()
                            event.events = interest.rawValue
                            event.data.u64 = token
                            guard epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 else {
                                return (.failed(errno: errno), false)
                            }
                        }
                        s.waiters[token] = Waiter(fd: fd, continuation: continuation)
                        guard let deadline else { return (nil, false) }
                        // The thread sleeps until the earliest deadline it knew of; tell it about an earlier one.
                        let earlier = s.deadlines.first.map { deadline < $0.instant } ?? true
                        s.deadlines.insert(deadline, token: token)
                        return (nil, earlier)
                    }
                    if let early {
                        continuation.resume(returning: early)
                        return
                    }
                    if wakeNeeded { signal() }
                    started?(token)
                }
            } onCancel: {
                end(token)?.resume(returning: .cancelled)
            }
        }

        /// Ends the wait `token` with `.ready([])` (a ``runBlocking(until:_:)`` job finished in time).
        func complete(_ token: UInt64) {
            end(token)?.resume(returning: .ready([]))
        }

        /// Takes the waiter `token` out, if it is still waiting.
        private func end(_ token: UInt64) -> CheckedContinuation<IOWaitResult, Never>? {
            state.withLock { s in
                guard let waiter = s.waiters.removeValue(forKey: token) else { return nil }
                if waiter.fd >= 0 { _ = epoll_ctl(epoll, EPOLL_CTL_DEL, waiter.fd, nil) }
                return waiter.continuation
            }
        }

        func stop() {
            state.withLock { $0.stopping = true }
            signal()
        }

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            let (first, stopped) = state.withLock { s in
                guard !s.stopped else { return (false, true) }
                s.jobs.append(job)
                return (s.jobs.count == 1, false)
            }
            // A reactor that has ended still lets a task it was running finish, on the shared pool.
            if stopped { globalConcurrentExecutor.enqueue(job) } else if first { signal() }
        }

        private func signal() {
            var one: UInt64 = 1
            _ = write(wake, &one, MemoryLayout<UInt64>.size)
        }

        // MARK: - The reactor thread

        func run() {
            let capacity = 256
            let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
            defer { events.deallocate() }
            while true {
                let timeout = state.withLock { Self.timeout(&$0) }
                let count = epoll_wait(epoll, events, Int32(capacity), timeout)
                if count < 0, errno != EINTR { break }  // EBADF, EINVAL: the set is gone; nothing can be served
                for index in 0..<Int(max(count, 0)) {
                    let token = events[index].data.u64
                    if token == 0 {
                        var value: UInt64 = 0
                        _ = read(wake, &value, MemoryLayout<UInt64>.size)
                    } else {
                        dispatch(token, IOEvents(rawValue: events[index].events))
                    }
                }
                expire(now: .now)
                let (removed, jobs, stopping) = state.withLock { s in
                    defer {
                        s.removed = []
                        s.jobs = []
                    }
                    return (s.removed, s.jobs, s.stopping)
                }
                removed.forEach { $0() }
                // Jobs enqueued while these run find the queue empty and wake the next epoll_wait at once, so
                // I/O is served between batches.
                for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
                if stopping { break }
            }
            shutDown()
        }

        private func dispatch(_ token: UInt64, _ events: IOEvents) {
            enum Target {
                case handler(Registration)
                case waiter(CheckedContinuation<IOWaitResult, Never>)
            }
            let target = state.withLock { s -> Target? in
                if let registration = s.registrations[token] { return .handler(registration) }
                guard let waiter = s.waiters.removeValue(forKey: token) else { return nil }
                _ = epoll_ctl(epoll, EPOLL_CTL_DEL, waiter.fd, nil)
                return .waiter(waiter.continuation)
            }
            switch target {
            case .handler(let registration):
                guard registration.handler(events) == .remove else { return }
                let removed = state.withLock { s in
                    guard s.registrations.removeValue(forKey: token) != nil else { return false }
                    _ = epoll_ctl(epoll, EPOLL_CTL_DEL, registration.fd, nil)
                    return true
                }
                // When not removed here, a concurrent deregister did it and queued onRemove.
                if removed { registration.onRemove() }
            case .waiter(let continuation):
                continuation.resume(returning: .ready(events))
            case nil:
                break  // removed earlier in this batch
            }
        }

        /// epoll_wait's timeout: until the earliest deadline still waited for, in whole milliseconds rounded
        /// up (so that the thread does not wake just before it and spin); -1 without one.
        private static func timeout(_ s: inout State) -> Int32 {
            guard s.jobs.isEmpty else { return 0 }
            while let first = s.deadlines.first, s.waiters[first.token] == nil { _ = s.deadlines.removeFirst() }
            guard let first = s.deadlines.first else { return -1 }
            let left = ContinuousClock.now.duration(to: first.instant)
            guard left > .zero else { return 0 }
            let (seconds, attoseconds) = left.components
            let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
            return Int32(clamping: milliseconds)
        }

        private func expire(now: ContinuousClock.Instant) {
            let expired = state.withLock { s -> [CheckedContinuation<IOWaitResult, Never>] in
                var expired: [CheckedContinuation<IOWaitResult, Never>] = []
                while let first = s.deadlines.first, first.instant <= now {
                    _ = s.deadlines.removeFirst()
                    guard let waiter = s.waiters.removeValue(forKey: first.token) else { continue }
                    if waiter.fd >= 0 { _ = epoll_ctl(epoll, EPOLL_CTL_DEL, waiter.fd, nil) }
                    expired.append(waiter.continuation)
                }
                return expired
            }
            expired.forEach { $0.resume(returning: .timedOut) }
        }

        /// The reactor is gone: whatever is still registered is removed, as promised, nothing waits, and queued
        /// jobs still run.
        private func shutDown() {
            let (removers, waiters, jobs) = state.withLock { s in
                s.stopping = true
                s.stopped = true
                let removers = s.removed + s.registrations.values.map(\.onRemove)
                for registration in s.registrations.values {
                    _ = epoll_ctl(epoll, EPOLL_CTL_DEL, registration.fd, nil)
                }
                let waiters = s.waiters.values.map(\.continuation)
                let jobs = s.jobs
                s.removed = []
                s.registrations = [:]
                s.waiters = [:]
                s.jobs = []
                return (removers, waiters, jobs)
            }
            removers.forEach { $0() }
            waiters.forEach { $0.resume(returning: .cancelled) }
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
