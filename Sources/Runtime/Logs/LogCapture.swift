import Foundation
import Glibc
import Synchronization

/// Reads one of a kernel's output pipes line by line on the ``IOReactor``, writing each line to the kernel's
/// ``LogFile`` and handing it to `onLine` (trigger evaluation, signature mining).
///
/// No thread of its own: the reactor's one thread reads every pipe when it is readable, so an idle kernel costs
/// nothing and a thousand kernels cost no more threads than one. `onLine` runs on that thread and must return at
/// once. The capture ends at EOF, which comes when every process holding the pipe's write end has exited or
/// closed it. Memory is bounded: the reactor's shared 16 KiB read buffer and at most 16 KiB of an unfinished
/// line per capture.
public final class LogCapture: Sendable {
    /// The kernel whose output this is.
    public let kernel: String
    /// Which of its outputs.
    public let stream: LogLine.Stream
    /// The pipe's read end. Owned by the capture from ``start()`` on, and closed at EOF.
    public let fd: Int32
    private let file: LogFile
    private let reactor: IOReactor
    private let onLine: @Sendable (LogLine) -> Void

    private struct State {
        var started = false
        var finished = false
        var registration: IOReactor.Registration?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let delivered = Atomic<Int>(0)
    /// Only the reactor thread touches it; a lock of its own so that `onLine` may ask for ``isFinished``.
    private let splitter = Mutex(LineSplitter())

    static let readBufferBytes = IOReactor.readBufferBytes

    /// A capture of `fd` (the pipe's read end, which it then owns) into `file`, read on `reactor` once started;
    /// `onLine` runs on the reactor thread for every line and must return at once.
    public init(
        kernel: String, stream: LogLine.Stream, fd: Int32, file: LogFile, reactor: IOReactor,
        onLine: @escaping @Sendable (LogLine) -> Void
    ) {
        self.kernel = kernel
        self.stream = stream
        self.fd = fd
        self.file = file
        self.reactor = reactor
        self.onLine = onLine
    }

    /// Starts reading on the reactor. Calling it again does nothing.
    public func start() {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let registration = reactor.readStream(
            fd, name: "grace-log-\(kernel)-\(stream.rawValue)",
            chunk: { [self] bytes in splitter.withLock { $0.feed(bytes, deliver) } },
            end: { [self] in finish() })
        state.withLock { if !$0.finished { $0.registration = registration } }
    }

    /// Stops capturing without closing the pipe, for `grace reexec`: returns a duplicate of the read end
    /// (close-on-exec, like every descriptor of Grace's), which the next image captures from; the capture itself
    /// ends as at end of file (a line without its newline yet is written as it is). nil when the capture already
    /// ended or cannot be detached (read on a thread of its own): the kernel's output has nowhere to go then.
    public func detach() async -> Int32? {
        guard let registration = state.withLock({ $0.finished ? nil : $0.registration }) else { return nil }
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { return nil }
        reactor.deregister(registration)
        await waitUntilFinished()
        return copy
    }

    /// Returns once EOF was reached and every line was written and delivered. Call it after the kernel exited to
    /// be sure its last words are in the log; the capture must have been started.
    public func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { state in
                if !state.finished { state.waiters.append(continuation) }
                return state.finished
            }
            if finished { continuation.resume() }
        }
    }

    /// Lines delivered so far (the metrics sampler turns them into a rate, `log_rate`).
    public var linesDelivered: Int {
        delivered.load(ordering: .relaxed)
    }

    /// Whether EOF has been reached and handled.
    public var isFinished: Bool {
        state.withLock { $0.finished }
    }

    private func deliver(_ text: String) {
        let line = LogLine(kernel: kernel, stream: stream, text: text, time: Date())
        file.write(line)
        delivered.add(1, ordering: .relaxed)
        onLine(line)
    }

    /// At EOF, after the reactor closed the descriptor: the unterminated last line, then the waiters.
    private func finish() {
        splitter.withLock { $0.finish(deliver) }
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
