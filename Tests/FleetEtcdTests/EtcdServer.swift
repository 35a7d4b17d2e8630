import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real etcd (Debian's etcd-server) on loopback, in a data directory of its own, for the tests of one suite.
///
/// A small shell starts a reader of a pipe from the test process and then becomes etcd (exec): when the test
/// process ends, even by a crash, the pipe closes and the reader kills etcd, so no etcd outlives the run.
/// (The shell does not stay to wait for etcd: it would inherit the test process's blocked signals, SIGCHLD among
/// them, and never see etcd end.)
final class EtcdServer: Sendable {
    /// `http://127.0.0.1:PORT`, for `EtcdLease(endpoints:)`.
    let endpoint: String
    private let process: Process
    private let lifeline: Pipe
    private let directory: URL

    /// Why etcd cannot be started when it is not installed.
    static let missing = "etcd is not installed (Debian package etcd-server): run scripts/setup --test"

    private init(endpoint: String, process: Process, lifeline: Pipe, directory: URL) {
        self.endpoint = endpoint
        self.process = process
        self.lifeline = lifeline
        self.directory = directory
    }

    /// Starts an etcd and returns once it answers `GET /health`. Its ports are below the ephemeral range, derived
    /// from this process's id (another pair on a clash with another process's).
    static func start() async throws -> EtcdServer {
        guard let etcd = executable() else { throw Failure(missing) }
        var failures: [String] = []
        for attempt in 0..<5 {
            let slot = (Int(getpid()) &* 7 &+ attempt &* 977 &+ Int.random(in: 0..<50)) % 3500
            let port = 23000 + slot * 2
            do {
                return try await start(etcd, clientPort: port, peerPort: port + 1)
            } catch {
                failures.append("ports \(port), \(port + 1): \(error)")
            }
        }
        throw Failure("etcd did not start:\n" + failures.joined(separator: "\n"))
    }

    private static func start(_ etcd: String, clientPort: Int, peerPort: Int) async throws -> EtcdServer {
        // In memory where the machine has it: etcd's fsyncs on a busy shared disk would slow every request.
        let base =
            FileManager.default.isWritableFile(atPath: "/dev/shm")
            ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        let directory = base.appendingPathComponent("grace-etcd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("etcd.log")
        let client = "http://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // stdin is the lifeline, passed to the reader as fd 3 (an asynchronous list's own stdin is /dev/null).
        // `$$`, the shell's pid, is etcd's once the shell has exec'd it.
        let script = """
            exec 3<&0
            (read _ <&3; kill $$ 2>/dev/null) &
            exec "$0" "$@" </dev/null 3<&- >"$GRACE_ETCD_LOG" 2>&1
            """
        process.arguments = [
            "-c", script, etcd,
            "--name", "default",
            "--data-dir", directory.appendingPathComponent("data").path,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "default=\(peer)",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["GRACE_ETCD_LOG"] = log.path
        process.environment = environment
        let lifeline = Pipe()
        process.standardInput = lifeline
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        // Only the child's stdin may refer to the pipe: Foundation passes other open descriptors on, and a write
        // end held by a child would keep the lifeline from ever closing.
        _ = fcntl(lifeline.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        try process.run()
        let server = EtcdServer(endpoint: client, process: process, lifeline: lifeline, directory: directory)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let lines = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n")
                await server.stop()
                throw Failure("etcd exited at start; its last lines:\n" + lines.suffix(5).joined(separator: "\n"))
            }
            if let health = try? await offPool({ httpGet(port: clientPort, path: "/health") }),
                health.contains("\"health\":\"true\"")
            {
                return server
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        await server.stop()
        throw Failure("etcd did not answer GET /health on \(client) within 30 s")
    }

    /// Stops etcd where it stands (SIGSTOP): connections are still accepted, by the kernel, and never answered.
    /// Returns once every thread of it is stopped: the signal is only queued by `kill`, and a thread running on the
    /// other core could still answer a request sent right after (CI saw a renewal succeed that way).
    func pause() {
        let pid = process.processIdentifier
        kill(pid, SIGSTOP)
        // Polled: the stop is not an event this process can wait on without taking Foundation's `Process` wait
        // status from it (waitid with WSTOPPED on its child).
        for _ in 0..<400 {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            let stopped = tasks.allSatisfy { task in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { return true }
                // The state is the first field after the command's closing parenthesis.
                let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
                return state == "T" || state == "t"
            }
            if !tasks.isEmpty && stopped { return }
            usleep(5_000)
        }
    }

    /// Lets a paused etcd go on.
    func resume() {
        kill(process.processIdentifier, SIGCONT)
    }

    /// Ends etcd (SIGTERM, SIGKILL if it is not gone within 20 s) and removes its data directory.
    func stop() async {
        if process.isRunning {
            resume()
            kill(process.processIdentifier, SIGTERM)
        }
        _ = await process.exited(killingAfter: .seconds(20))
        try? lifeline.fileHandleForWriting.close()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit {
        try? lifeline.fileHandleForWriting.close()
    }

    /// `etcd` on the PATH, else Debian's.
    private static func executable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/etcd" } + ["/usr/bin/etcd"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Why a server could not be started.
    struct Failure: Error, CustomStringConvertible {
        var description: String

        init(_ description: String) {
            self.description = description
        }
    }
}

/// Runs blocking work on a thread of its own, not on the cooperative pool (two cores: it has two threads).
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// `GET path` on 127.0.0.1:`port` over HTTP/1.0: the whole answer, nil when the connection failed. Blocking,
/// each step bounded by 1 s.
func httpGet(port: Int, path: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var limit = timeval(tv_sec: 1, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    var address = loopback(port: port)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { return nil }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return nil }
    var answer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = recv(fd, &chunk, chunk.count, 0)
        if n < 0, errno == EINTR { continue }
        if n < 0 { return nil }
        if n == 0 { break }
        answer.append(contentsOf: chunk[0..<n])
    }
    return String(decoding: answer, as: UTF8.self)
}

/// 127.0.0.1:`port`.
func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}

/// The etcd of the running suite (see `EtcdScope`).
enum SuiteEtcd {
    @TaskLocal static var server: Result<EtcdServer, EtcdServer.Failure>?

    /// The suite's etcd; throws (failing the test with why) when it could not be started.
    static func current() throws -> EtcdServer {
        guard let server else { throw EtcdServer.Failure("no etcd: the suite lacks the .etcd trait") }
        return try server.get()
    }
}

/// Starts one etcd for a suite's tests and stops it after the last. When it cannot be started (etcd is not
/// installed), every test fails saying why.
struct EtcdScope: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let started: Result<EtcdServer, EtcdServer.Failure>
        do {
            started = .success(try await EtcdServer.start())
        } catch let failure as EtcdServer.Failure {
            started = .failure(failure)
        } catch {
            started = .failure(EtcdServer.Failure("etcd did not start: \(error)"))
        }
        do {
            try await SuiteEtcd.$server.withValue(started) { try await function() }
        } catch {
            if case .success(let server) = started { await server.stop() }
            throw error
        }
        if case .success(let server) = started { await server.stop() }
    }
}

extension Trait where Self == EtcdScope {
    /// A real etcd for the suite's tests (`SuiteEtcd.current()`).
    static var etcd: Self { EtcdScope() }
}
