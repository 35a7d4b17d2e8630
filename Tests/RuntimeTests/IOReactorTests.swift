import Dispatch
import Foundation
import Glibc
import Synchronization
import Testing

@testable import Runtime

/// The epoll reactor on its own: registrations, one-shot waits, the helper pool, and the point of it all, that
/// the number of threads does not grow with the number of descriptors. Every wait is on an event, never a sleep.
@Suite("I/O reactor", .timeLimit(.minutes(5)))
struct IOReactorTests {
    let reactor: IOReactor

    init() throws {
        reactor = try IOReactor(name: "grace-io-test")
    }

    // MARK: Registrations

    @Test("a handler gets a pipe's data on the reactor thread until EOF, then onRemove runs once")
    func dataThenEOF() async throws {
        let pipe = try ReactorTestPipe()
        let (events, log) = AsyncStream.makeStream(of: String.self)
        let readEnd = pipe.readEnd
        _ = try reactor.register(
            readEnd, for: .readable,
            handler: { _ in
                switch drain(readEnd) {
                case .data(let text):
                    log.yield("data:" + text)
                    return .keep
                case .end:
                    log.yield("eof")
                    return .remove
                }
            },
            onRemove: {
                log.yield("removed")
                log.finish()
            })
        var iterator = events.makeAsyncIterator()
        pipe.write("hello")
        #expect(await iterator.next() == "data:hello")
        pipe.write("again")
        #expect(await iterator.next() == "data:again")
        pipe.closeWriteEnd()
        #expect(await iterator.next() == "eof")
        #expect(await iterator.next() == "removed")
        #expect(await iterator.next() == nil)
    }

    @Test("deregister never waits; a running handler finishes first, then onRemove runs, and nothing after")
    func deregisterWhileRunning() async throws {
        let pipe = try ReactorTestPipe()
        let readEnd = pipe.readEnd
        let (events, log) = AsyncStream.makeStream(of: String.self)
        let release = DispatchSemaphore(value: 0)
        let runs = AtomicCounter(0)
        let registration = try reactor.register(
            readEnd, for: .readable,
            handler: { _ in
                _ = drain(readEnd)
                if runs.add(1) == 1 {
                    log.yield("entered")
                    release.wait()  // test only: hold the reactor thread inside the handler
                    log.yield("returning")
                }
                return .keep
            },
            onRemove: { log.yield("removed") })
        var iterator = events.makeAsyncIterator()
        pipe.write("x")
        #expect(await iterator.next() == "entered")
        reactor.deregister(registration)  // returns although the handler is still running
        reactor.deregister(registration)  // and a second time is harmless
        release.signal()
        #expect(await iterator.next() == "returning")
        #expect(await iterator.next() == "removed")
        // More data finds no handler: two one-shot waits later the reactor has passed every batch in which the
        // pipe could have been reported.
        pipe.write("y")
        try await reactorBarrier(reactor)
        #expect(runs.value == 1)
    }

    @Test("a thousand pipes on one reactor: every byte arrives and every registration ends at EOF")
    func manyDescriptors() async throws {
        let count = 1000
        let pipes = try (0..<count).map { _ in try ReactorTestPipe() }
        let bytes = AtomicCounter(0)
        let remaining = AtomicCounter(count)
        let (done, finished) = AsyncStream.makeStream(of: Void.self)
        for pipe in pipes {
            let readEnd = pipe.readEnd
            _ = try reactor.register(
                readEnd, for: .readable,
                handler: { _ in
                    switch drain(readEnd) {
                    case .data(let text):
                        _ = bytes.add(text.utf8.count)
                        return .keep
                    case .end:
                        return .remove
                    }
                },
                onRemove: {
                    if remaining.add(-1) == 0 { finished.finish() }
                })
        }
        for pipe in pipes {
            pipe.write("one line\nanother\n")
            pipe.closeWriteEnd()
        }
        for await _ in done {}
        #expect(bytes.value == count * 17)
        #expect(remaining.value == 0)
    }

    @Test("dropping the reactor stops its thread and removes what is still registered")
    func dropRemoves() async throws {
        let pipe = try ReactorTestPipe()
        let (events, log) = AsyncStream.makeStream(of: String.self)
        do {
            let own = try IOReactor(name: "grace-io-drop")
            _ = try own.register(
                pipe.readEnd, for: .readable, handler: { _ in .keep }, onRemove: { log.yield("removed") })
        }
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == "removed")
    }

    // MARK: One-shot waits

    @Test("a one-shot wait: ready when the descriptor is, timed out at the deadline, cancelled with its task")
    func oneShot() async throws {
        let pipe = try ReactorTestPipe()
        let soon = ContinuousClock.now.advanced(by: .milliseconds(50))
        #expect(await reactor.readable(pipe.readEnd, until: soon) == .timedOut)
        #expect(await reactor.writable(pipe.writeEnd, until: nil) == .ready(.writable))
        pipe.write("z")
        #expect(await reactor.readable(pipe.readEnd, until: nil) == .ready(.readable))
        #expect(await reactor.readable(pipe.readEnd, until: .now.advanced(by: .seconds(-1))) == .timedOut)

        let empty = try ReactorTestPipe()
        let reactor = reactor
        let waiting = Task { await reactor.readable(empty.readEnd, until: nil) }
        waiting.cancel()
        #expect(await waiting.value == .cancelled)
    }

    @Test("a descriptor epoll refuses (a regular file) fails the wait with EPERM instead of hanging")
    func refused() async throws {
        let path = NSTemporaryDirectory() + "grace-reactor-\(UUID().uuidString)"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        #expect(await reactor.readable(fd, until: nil) == .failed(errno: EPERM))
        #expect(throws: IOReactorError.system(call: "epoll_ctl", errno: EPERM)) {
            try reactor.register(fd, for: .readable, handler: { _ in .keep })
        }
    }

    @Test("async code that prefers the reactor as its executor runs on the reactor thread, before and after a wait")
    func executor() async throws {
        let pipe = try ReactorTestPipe()
        pipe.write("ready")
        let reactor = reactor
        let names = await withTaskExecutorPreference(reactor.executor) { () async -> [String] in
            let before = await currentThreadNameAsync()
            _ = await reactor.readable(pipe.readEnd, until: nil)
            return [before, currentThreadName()]
        }
        #expect(names == ["grace-io-test", "grace-io-test"])
        #expect(currentThreadName() != "grace-io-test")
    }

    // MARK: Blocking work

    @Test("numeric hosts and localhost resolve without a helper thread; other names use the pool")
    func resolution() async throws {
        let deadline = ProbeDeadline(timeout: .seconds(10))
        for host in ["127.0.0.1", "::1", "localhost", "LOCALHOST"] {
            let addresses = try await ProbeAddress.resolve(host, port: 80, deadline: deadline, reactor: reactor).get()
            #expect(!addresses.isEmpty, "\(host)")
        }
        #expect(reactor.helperThreadsStarted == 0)
        let unknown = await ProbeAddress.resolve("no-such-host.invalid", port: 80, deadline: deadline, reactor: reactor)
        guard case .failure(let failure) = unknown else {
            Issue.record("no-such-host.invalid resolved")
            return
        }
        #expect(failure.reason.hasPrefix("cannot resolve no-such-host.invalid"))
        #expect(reactor.helperThreadsStarted == 1)
    }

    @Test("the helper pool never runs more threads than its limit; queued jobs all run")
    func poolLimit() async {
        let pool = BlockingPool(name: "grace-pool-test", limit: 2)
        let release = DispatchSemaphore(value: 0)
        let (events, log) = AsyncStream.makeStream(of: String.self)
        for index in 0..<5 {
            pool.submit {
                log.yield("started \(index)")
                release.wait()
                log.yield("done")
            }
        }
        var iterator = events.makeAsyncIterator()
        let first: Set = [await iterator.next(), await iterator.next()]
        #expect(first == ["started 0", "started 1"])
        #expect(pool.threads == 2)
        for _ in 0..<5 { release.signal() }
        var done = 0
        while done < 5, let event = await iterator.next() {
            if event == "done" { done += 1 }
        }
        #expect(done == 5)
        #expect(pool.startedThreads == 2)
    }

    @Test("runBlocking gives up at the deadline; the late result is dropped")
    func blockingDeadline() async {
        let release = DispatchSemaphore(value: 0)
        let result = await reactor.runBlocking(until: .now.advanced(by: .milliseconds(50))) { () -> Int in
            release.wait()
            return 1
        }
        #expect(result == nil)
        release.signal()
        #expect(await reactor.runBlocking(until: .now.advanced(by: .seconds(30))) { 2 } == 2)
    }

    // MARK: Threads

    @Test("300 log captures and 100 notify sockets on one reactor add no more than a few threads")
    func threadsDoNotGrow() async throws {
        let directory = "/tmp/grace-threads-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try LogFile(path: directory + "/all.log")
        let before = threadCount()
        let shared = try IOReactor(name: "grace-io-count")
        let pipes = try (0..<300).map { _ in try ReactorTestPipe(handingOverReadEnd: true) }
        let captures = pipes.enumerated().map { index, pipe in
            LogCapture(kernel: "k\(index)", stream: .stdout, fd: pipe.readEnd, file: file, reactor: shared) { _ in }
        }
        captures.forEach { $0.start() }
        let sockets = try (0..<100).map { try NotifySocket(path: directory + "/n\($0).sock", reactor: shared) }
        for pipe in pipes { pipe.write("started\n") }
        let during = threadCount()
        // Other suites run in parallel and start and end threads of their own, hence a margin; a thread per
        // descriptor would add 400.
        #expect(during - before <= 32, "threads before: \(before), with 400 descriptors watched: \(during)")
        for pipe in pipes { pipe.closeWriteEnd() }
        for capture in captures { try await capture.requireFinished() }
        sockets.forEach { $0.close() }
        #expect(file.recentLines(500).count == 300)
    }
}

// MARK: - Helpers

/// `Threads:` of /proc/self/status.
private func threadCount() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("Threads:") }
    return line.flatMap { Int($0.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)) } ?? -1
}

/// The kernel's name of the calling thread (what `Thread.name` set when the thread started).
private func currentThreadName() -> String {
    let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
    return comm.trimmingCharacters(in: .newlines)
}

/// The same, from a nonisolated async function: what runs on the task's preferred executor.
private func currentThreadNameAsync() async -> String {
    currentThreadName()
}

private enum Drained {
    case data(String)
    case end
}

/// Reads a non-blocking descriptor until EAGAIN (some data) or EOF.
private func drain(_ fd: Int32) -> Drained {
    var text = ""
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count > 0 {
            text += String(decoding: buffer[..<count], as: UTF8.self)
        } else if count < 0, errno == EINTR {
            continue
        } else if count < 0, errno == EAGAIN {
            return .data(text)
        } else {
            return text.isEmpty ? .end : .data(text)
        }
    }
}

/// Returns once the reactor thread has finished every batch of events it could have fetched before the call: a
/// one-shot wait on a readable descriptor completes in the next batch, and a second one in the batch after.
private func reactorBarrier(_ reactor: IOReactor) async throws {
    let always = try ReactorTestPipe()
    always.write("!")
    _ = await reactor.readable(always.readEnd, until: nil)
    _ = await reactor.readable(always.readEnd, until: nil)
}

/// A shared count.
private final class AtomicCounter: Sendable {
    private let storage: Atomic<Int>

    init(_ value: Int) {
        storage = Atomic(value)
    }

    /// Adds `delta`; the new value.
    func add(_ delta: Int) -> Int { storage.add(delta, ordering: .relaxed).newValue }
    var value: Int { storage.load(ordering: .relaxed) }
}

/// A close-on-exec pipe whose read end is non-blocking, as the reactor's users make theirs. The read end is
/// closed with the pipe unless it was handed over (a capture closes its own at EOF).
private final class ReactorTestPipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32
    private let writeOpen = Atomic<Bool>(true)
    private let ownsReadEnd: Bool

    init(handingOverReadEnd: Bool = false) throws {
        ownsReadEnd = !handingOverReadEnd
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
        readEnd = ends[0]
        writeEnd = ends[1]
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
    }

    func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = Glibc.write(writeEnd, bytes.baseAddress, bytes.count) }
    }

    func closeWriteEnd() {
        if writeOpen.exchange(false, ordering: .relaxed) { close(writeEnd) }
    }

    deinit {
        closeWriteEnd()
        if ownsReadEnd { close(readEnd) }
    }
}
