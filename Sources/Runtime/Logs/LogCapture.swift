import Foundation
import Glibc
import Synchronization

/// Reads one of a kernel's output pipes line by line on a dedicated thread, writing each line to the kernel's
/// ``LogFile`` and handing it to `onLine` (trigger evaluation, signature mining).
///
/// The thread sits in a blocking read(2), so an idle kernel costs no CPU; it ends at EOF, which comes when every
/// process holding the pipe's write end has exited or closed it. Memory is bounded: a 16 KiB read buffer and
/// at most 16 KiB of an unfinished line.
public final class LogCapture: Sendable {
    public let kernel: String
    public let stream: LogLine.Stream
    /// The pipe's read end. Owned by the capture from ``start()`` on, and closed at EOF.
    public let fd: Int32
    private let file: LogFile
    private let onLine: @Sendable (LogLine) -> Void

    private struct State {
        var started = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    static let readBufferBytes = 16 * 1024

    public init(
        kernel: String, stream: LogLine.Stream, fd: Int32, file: LogFile,
        onLine: @escaping @Sendable (LogLine) -> Void
    ) {
        self.kernel = kernel
        self.stream = stream
        self.fd = fd
        self.file = file
        self.onLine = onLine
    }

    /// Starts the reader thread. Calling it again does nothing.
    public func start() {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [self] in self.run() }
        thread.name = "grace-log-\(kernel)-\(stream.rawValue)"
        thread.start()
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

    /// Whether EOF has been reached and handled.
    public var isFinished: Bool {
        state.withLock { $0.finished }
    }

    private func run() {
        var splitter = LineSplitter()
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.readBufferBytes)
        defer { buffer.deallocate() }
        let deliver: (String) -> Void = { [self] text in
            let line = LogLine(kernel: kernel, stream: stream, text: text, time: Date())
            file.write(line)
            onLine(line)
        }
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count > 0 {
                splitter.feed(UnsafeBufferPointer(rebasing: buffer[..<count]), deliver)
            } else if count < 0, errno == EINTR {
                continue
            } else {
                break  // EOF, or the descriptor is unusable (EBADF): either way nothing more will come
            }
        }
        splitter.finish(deliver)
        _ = Glibc.close(fd)
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
