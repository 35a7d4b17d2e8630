import Foundation
import Glibc
import Synchronization

/// A kernel's log file, shared by its stdout and stderr captures: appends one record per line, rotates by size
/// (`path` → `path.1` → … → `path.<keep>`, the oldest dropped) and keeps the last 500 lines in memory.
///
/// Records look like `2026-11-26T10:12:01.123Z stdout <text>`. Each is one write(2) on an O_APPEND descriptor,
/// unbuffered, so a crash of Grace loses nothing that was read from the pipe.
///
/// State sits behind a `Mutex` rather than in an actor because the callers are ``LogCapture``'s handlers on the
/// ``IOReactor`` thread, outside the concurrency pool: they need to write synchronously, in order, before reading
/// further. An actor would force a `Task` per line (lines could land out of order, and a slow disk would pile up
/// unbounded tasks in memory instead of pushing back); with a lock a slow disk holds the reactor, the pipes fill,
/// and the kernels' own writes wait: backpressure with bounded memory.
public final class LogFile: Sendable {
    /// The file; `path.1` ... `path.<keep>` are its rotated generations.
    public let path: String
    /// Size past which the file is rotated before the next write.
    public let maxBytes: Int
    /// Rotated generations kept (0: the file is truncated instead).
    public let keep: Int
    /// Lines kept for ``recentLines(_:)``.
    public static let ringCapacity = 500

    private struct State {
        var fd: Int32
        var size: Int
        var closed = false
        var ring = LineRing(capacity: LogFile.ringCapacity)
    }

    private let state: Mutex<State>

    /// Appends to the file at `path`, creating its directory now and the file with the first line: a kernel that
    /// never writes costs no file, and starting a thousand kernels does not wait for a thousand file creations.
    /// Throws when the directory cannot be made or written to, so that a misplaced state directory is an error
    /// at the kernel's start rather than lines silently kept only in memory.
    public init(path: String, maxBytes: Int = 10 << 20, keep: Int = 3) throws {
        self.path = path
        self.maxBytes = max(1, maxBytes)
        self.keep = max(0, keep)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        guard access(directory.isEmpty ? "." : directory, W_OK | X_OK) == 0 else {
            throw LogFileError.cannotOpen(path: path, errno: errno)
        }
        state = Mutex(State(fd: -1, size: 0))
    }

    deinit {
        close()
    }

    /// Appends `line` to the file (rotating first if it would grow past `maxBytes`) and to the in-memory ring.
    /// After ``close()`` lines still reach the ring but no longer the file.
    public func write(_ line: LogLine) {
        var record = Self.record(line)
        record.withUTF8 { bytes in
            state.withLock { state in
                state.ring.append(line)
                guard !state.closed else { return }
                if state.fd < 0 {
                    // The first line, or a previous rotation could not reopen the file (disk full, directory
                    // removed): open it now.
                    reopen(&state)
                    guard state.fd >= 0 else { return }
                }
                if state.size > 0, state.size + bytes.count > maxBytes {
                    rotate(&state)
                    guard state.fd >= 0 else { return }
                }
                state.size += Self.writeAll(state.fd, bytes)
            }
        }
    }

    /// The last `n` lines written (at most 500), oldest first.
    public func recentLines(_ n: Int) -> [LogLine] {
        state.withLock { $0.ring.last(n) }
    }

    /// Closes the file. Idempotent.
    public func close() {
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            if state.fd >= 0 {
                _ = Glibc.close(state.fd)
                state.fd = -1
            }
        }
    }

    /// `path.(keep-1)` → `path.keep`, …, `path` → `path.1`, then a fresh `path`.
    private func rotate(_ state: inout State) {
        _ = Glibc.close(state.fd)
        state.fd = -1
        if keep == 0 {
            unlink(path)
        } else {
            for generation in stride(from: keep - 1, through: 1, by: -1) {
                rename("\(path).\(generation)", "\(path).\(generation + 1)")
            }
            rename(path, "\(path).1")
        }
        reopen(&state)
    }

    private func reopen(_ state: inout State) {
        state.fd = Self.open(path)
        var info = stat()
        state.size = state.fd >= 0 && fstat(state.fd, &info) == 0 ? Int(info.st_size) : 0
    }

    static func record(_ line: LogLine) -> String {
        var text = line.text
        if text.utf8.contains(UInt8(ascii: "\n")) {
            // One record per line in the file, whoever wrote the text.
            text = text.replacingOccurrences(of: "\n", with: "\\n")
        }
        return LogTimestamp.format(line.time) + " " + line.stream.rawValue + " " + text + "\n"
    }

    private static func open(_ path: String) -> Int32 {
        Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    }

    /// Writes all of `bytes`, retrying short writes and EINTR; returns how many bytes reached the file.
    private static func writeAll(_ fd: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var done = 0
        while done < bytes.count {
            let count = Glibc.write(fd, base + done, bytes.count - done)
            if count > 0 {
                done += count
            } else if count < 0, errno == EINTR {
                continue
            } else {
                break  // disk full or I/O error: the line stays in the ring
            }
        }
        return done
    }
}
