import Foundation
import Synchronization
import TestSupport

/// Runs the `grace` binary built next to the test bundle, as an operator would from a shell.
enum GraceBinary {
    static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var productsDirectory: URL {
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
            while url.pathExtension == "xctest" { url = url.deletingLastPathComponent() }
            return url
        }
        return repository.appendingPathComponent(".build/debug")
    }

    static var path: String { productsDirectory.appendingPathComponent("grace").path }

    /// The project's Python, which has the validators the checks run: `$GRACE_PYTHON` (scripts/test sets it), else
    /// the checkout's `.venv/bin/python3` (made by scripts/venv); nil when there is neither. Never the system's
    /// interpreter, which has none of them on a fresh machine.
    static var python: String? {
        if let path = ProcessInfo.processInfo.environment["GRACE_PYTHON"], !path.isEmpty { return path }
        let venv = repository.appendingPathComponent(".venv/bin/python3").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    /// Why a test that needs `python` cannot run.
    static let pythonMissing =
        "no project Python environment: run scripts/venv (scripts/test does) to create .venv/ with the validators, "
        + "or set GRACE_PYTHON to an interpreter that has them"

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `grace ARGS` in `directory` and waits for it to exit (see `runTool` for the bound).
    static func run(
        _ arguments: [String], in directory: URL = repository, environment: [String: String] = [:],
        timeout: Duration = TestWait.standard
    ) async throws -> Output {
        try await runTool(path, arguments, in: directory, environment: environment, timeout: timeout)
    }

    /// Runs a program to completion on a thread of its own: waiting must not hold one of the cooperative
    /// pool's few threads, which the other tests of this process need. One still running after `timeout` is
    /// killed, and this throws `Timeout` with what it wrote so far: a hung command fails its test.
    static func runTool(
        _ executable: String, _ arguments: [String], in directory: URL = repository,
        environment: [String: String] = [:], timeout: Duration = TestWait.standard
    ) async throws -> Output {
        try await offPool {
            try runToolBlocking(executable, arguments, in: directory, environment: environment, timeout: timeout)
        }
    }

    /// A command that did not exit in time (it was killed).
    struct Timeout: Error, CustomStringConvertible {
        var description: String
    }

    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    private static func runToolBlocking(
        _ executable: String, _ arguments: [String], in directory: URL, environment: [String: String],
        timeout: Duration
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("grace-out-\(UUID().uuidString)")
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("grace-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let watch = ExitWatch(pid: process.processIdentifier, killAfter: timeout)
        let status = process.exitStatus()
        let killed = watch.ended()
        try out.close()
        try err.close()
        let output = Output(
            status: status,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
        guard !killed else {
            throw Timeout(
                description: """
                    `\(([executable] + arguments).joined(separator: " "))` did not exit within \(timeout) and was \
                    killed; its stdout: \(output.stdout.suffix(2000))
                    its stderr: \(output.stderr.suffix(2000))
                    """)
        }
        return output
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("grace-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A loopback port nothing listens on right now (the kernel or server under test binds it a moment later).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}

/// Kills a child with SIGKILL if it is still running after a deadline, so that waiting for it is bounded.
final class ExitWatch: Sendable {
    private let state = Mutex((ended: false, killed: false))

    init(pid: Int32, killAfter limit: Duration) {
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) * 1e-18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            state.withLock { state in
                guard !state.ended else { return }
                state.killed = true
                kill(pid, SIGKILL)
            }
        }
    }

    /// The wait is over (from now on the pid may be reused: no late SIGKILL); whether the child was killed.
    func ended() -> Bool {
        state.withLock { state in
            state.ended = true
            return state.killed
        }
    }
}
