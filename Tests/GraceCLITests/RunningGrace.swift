import Foundation
import Synchronization
import TestSupport
import Testing

/// A `grace run` child process whose log lines (stderr) the test can wait on: event-driven, no sleeps.
final class RunningGrace: Sendable {
    let process: Process
    /// The arguments, for failure messages.
    let command: String
    private let lines = Mutex<[String]>([])
    private let arrived = NSCondition()

    convenience init(arguments: [String], in directory: URL) throws {
        try self.init(command: ["run"] + arguments, in: directory, readStandardOutput: false)
    }

    /// Any `grace` command; its stderr lines (or stdout's, with `readStandardOutput`) are what `waitFor` sees.
    /// `executable` is the built `grace` unless a test runs a copy of it (or a shell that execs it); `environment`
    /// adds to the test process's.
    init(
        command: [String], in directory: URL, readStandardOutput: Bool, executable: String = GraceBinary.path,
        environment: [String: String] = [:]
    ) throws {
        self.command = command.joined(separator: " ")
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = command
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let pipe = Pipe()
        if readStandardOutput {
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
        } else {
            process.standardError = pipe
            process.standardOutput = FileHandle.nullDevice
        }
        try process.run()
        let handle = pipe.fileHandleForReading
        let thread = Thread { [self] in
            // read(2) rather than `availableData`, which traps on EINTR.
            let fd = handle.fileDescriptor
            var buffer = Data()
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                buffer.append(contentsOf: chunk[0..<n])
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    arrived.lock()
                    lines.withLock { $0.append(line) }
                    arrived.broadcast()
                    arrived.unlock()
                }
            }
            arrived.lock()
            lines.withLock { $0.append("<eof>") }
            arrived.broadcast()
            arrived.unlock()
        }
        thread.start()
    }

    var output: [String] { lines.withLock { $0 } }

    /// Waits for a line after index `after` containing every fragment; returns its index and text. The wait ends
    /// as soon as the line arrives; `timeout` only bounds a hang: when no such line came by then (or the output
    /// ended first), the test fails with an issue that names the fragments and shows the last lines, and this
    /// throws.
    func waitFor(
        _ fragments: [String], after: Int = -1, timeout: Duration = TestWait.standard,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (index: Int, line: String) {
        let found = await line(containing: fragments, after: after, timeout: timeout)
        if let found { return found }
        let seen = output
        let ended = seen.last == "<eof>" ? "its output ended (exit status \(exitStatusIfEnded()))" : "still running"
        let message = """
            waited \(timeout) for a line with \(fragments) after line \(after) of `grace \(command)`; \
            \(ended); its last lines:
            \(seen.suffix(40).joined(separator: "\n"))
            """
        return try #require(found, Comment(rawValue: message), sourceLocation: sourceLocation)
    }

    /// The same without failing the test: nil when no such line came within `timeout` (for polling).
    func line(containing fragments: [String], after: Int = -1, timeout: Duration) async -> (index: Int, line: String)? {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        return (try? await GraceBinary.offPool { self.waitBlocking(fragments, after: after, timeout: seconds) }) ?? nil
    }

    /// The command's exit status once its output ended, for a failure message ("-" while it still runs).
    private func exitStatusIfEnded() -> String {
        process.isRunning ? "-" : childExitStatus(process.processIdentifier).map { "\($0)" } ?? "?"
    }

    private func waitBlocking(_ fragments: [String], after: Int, timeout: TimeInterval) -> (index: Int, line: String)? {
        let deadline = Date().addingTimeInterval(timeout)
        arrived.lock()
        defer { arrived.unlock() }
        while true {
            let current = lines.withLock { $0 }
            for (i, line) in current.enumerated() where i > after && fragments.allSatisfy(line.contains) {
                return (i, line)
            }
            if current.last == "<eof>" { return nil }
            if !arrived.wait(until: deadline) { return nil }
        }
    }

    /// The value of `key=` in a log line (`pid=123`).
    static func field(_ key: String, in line: String) -> String? {
        guard let range = line.range(of: " \(key)=") ?? line.range(of: "\(key)=") else { return nil }
        return String(line[range.upperBound...].prefix { !$0.isWhitespace })
    }

    /// SIGTERM, then waits for the exit (SIGKILL if Grace is not gone within `limit`, so a hung shutdown cannot
    /// hang the test run; generous, since Grace stops its kernels first). Synchronous for `defer`; `stop()` waits
    /// off the cooperative pool.
    /// Returns the exit status (or the number of the signal that ended it): read from the exit itself, because
    /// `Process.terminationStatus` traps when Foundation has not reaped the child yet.
    @discardableResult
    func terminate(within limit: Duration = .seconds(60)) -> Int32 {
        let pid = process.processIdentifier
        if process.isRunning { kill(pid, SIGTERM) }
        let watch = ExitWatch(pid: pid, killAfter: limit)
        let status = process.exitStatus()
        _ = watch.ended()
        return status
    }

    /// SIGTERM and the exit status (nil only when waiting failed).
    @discardableResult
    func stop(within limit: Duration = .seconds(60)) async -> Int32? {
        try? await GraceBinary.offPool { self.terminate(within: limit) }
    }

    func kill9() async {
        kill(process.processIdentifier, SIGKILL)
        _ = await process.exited()
    }
}
