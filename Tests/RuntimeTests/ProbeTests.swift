import Foundation
import Glibc
import Interpreter
import TestSupport
import Testing

@testable import GraceDSL
@testable import Runtime

@Suite("Health probes", .timeLimit(.minutes(5)))
struct ProbeTests {
    let reactor: IOReactor

    init() throws {
        reactor = try IOReactor()
    }

    // MARK: HTTP

    @Test("an HTTP probe is healthy on 200 and sends a minimal HTTP/1.1 request")
    func httpHealthy() async throws {
        let server = try TinyHTTPServer(status: 200)
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/healthz?deep=1"
        let result = await HTTPProbe(url: url, expectStatus: nil, reactor: reactor).check(timeout: .seconds(3))
        #expect(result == .healthy)
        let request = try #require(await server.firstRequest(within: TestWait.standard))
        #expect(request.hasPrefix("GET /healthz?deep=1 HTTP/1.1\r\n"))
        #expect(request.contains("\r\nHost: 127.0.0.1:\(server.port)\r\n"))
        #expect(request.contains("\r\nConnection: close\r\n"))
        #expect(request.contains("\r\nUser-Agent: grace-probe\r\n"))
    }

    @Test("an HTTP probe is unhealthy on 503, with the status as the reason")
    func http503() async throws {
        let server = try TinyHTTPServer(status: 503)
        defer { server.stop() }
        let result = await HTTPProbe(url: "http://127.0.0.1:\(server.port)/", expectStatus: nil, reactor: reactor)
            .check(timeout: .seconds(3))
        #expect(result == .unhealthy("HTTP 503"))
    }

    @Test("an expected status replaces the 2xx rule")
    func httpExpect() async throws {
        let server = try TinyHTTPServer(status: 503)
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)"
        #expect(await HTTPProbe(url: url, expectStatus: 503, reactor: reactor).check(timeout: .seconds(3)) == .healthy)
        #expect(
            await HTTPProbe(url: url, expectStatus: 200, reactor: reactor).check(timeout: .seconds(3))
                == .unhealthy("HTTP 503, expected 200"))
    }

    @Test("`localhost` resolves and reaches a server on 127.0.0.1, whichever address family comes first")
    func httpLocalhost() async throws {
        let server = try TinyHTTPServer(status: 204)
        defer { server.stop() }
        let result = await HTTPProbe(url: "http://localhost:\(server.port)/", expectStatus: nil, reactor: reactor)
            .check(timeout: .seconds(3))
        #expect(result == .healthy)
    }

    @Test("an IPv6 literal URL reaches a server on ::1", .enabled(if: TinyHTTPServer.loopbackIPv6Works))
    func httpIPv6() async throws {
        let server = try TinyHTTPServer(status: 200, ipv6: true)
        defer { server.stop() }
        let result = await HTTPProbe(url: "http://[::1]:\(server.port)/", expectStatus: nil, reactor: reactor)
            .check(timeout: .seconds(3))
        #expect(result == .healthy)
        let request = try #require(await server.firstRequest(within: TestWait.standard))
        #expect(request.contains("\r\nHost: [::1]:\(server.port)\r\n"))
    }

    @Test("an HTTP probe of a closed port says connection refused")
    func httpRefused() async throws {
        let port = try closedPort()
        let result = await HTTPProbe(url: "http://127.0.0.1:\(port)/", expectStatus: nil, reactor: reactor)
            .check(timeout: .seconds(3))
        #expect(result == .unhealthy("connection refused"))
    }

    @Test("an HTTP probe of a server that accepts but never answers times out")
    func httpTimeout() async throws {
        let silent = try ListeningSocket()
        defer { silent.close() }
        let clock = ContinuousClock()
        let start = clock.now
        let result = await HTTPProbe(url: "http://127.0.0.1:\(silent.port)/", expectStatus: nil, reactor: reactor)
            .check(timeout: .milliseconds(300))
        let elapsed = clock.now - start
        #expect(result == .unhealthy("timed out after 300ms"))
        // It waited for the timeout rather than giving up early; how much longer a loaded machine took is not
        // asserted (no wall-clock limits in tests).
        #expect(elapsed >= .milliseconds(290))
    }

    @Test("a response that is not HTTP, and a peer that closes at once, are unhealthy")
    func httpGarbage() async throws {
        let garbage = try TinyHTTPServer(rawResponse: "SSH-2.0-OpenSSH_9.2\r\n")
        defer { garbage.stop() }
        #expect(
            await HTTPProbe(url: "http://127.0.0.1:\(garbage.port)/", expectStatus: nil, reactor: reactor)
                .check(timeout: .seconds(3)) == .unhealthy("not an HTTP response"))
        let mute = try TinyHTTPServer(rawResponse: "")
        defer { mute.stop() }
        #expect(
            await HTTPProbe(url: "http://127.0.0.1:\(mute.port)/", expectStatus: nil, reactor: reactor)
                .check(timeout: .seconds(3)) == .unhealthy("connection closed without a response"))
    }

    @Test("https URLs are reported as unsupported, not as a failing service")
    func https() async {
        #expect(HTTPProbe.isSupported(url: "http://127.0.0.1:8080/healthz"))
        #expect(!HTTPProbe.isSupported(url: "https://127.0.0.1/healthz"))
        let result = await HTTPProbe(url: "https://127.0.0.1/", expectStatus: nil, reactor: reactor)
            .check(timeout: .seconds(1))
        #expect(result == .unhealthy("https:// probes are not supported"))
    }

    @Test("URLs are split into host, port, Host header and request target")
    func urls() throws {
        let plain = try #require(ProbeURL("http://127.0.0.1:8080/healthz?x=1#frag"))
        #expect(plain.host == "127.0.0.1" && plain.port == 8080)
        #expect(plain.hostHeader == "127.0.0.1:8080" && plain.target == "/healthz?x=1")
        let bare = try #require(ProbeURL("http://example.test"))
        #expect(bare.port == 80 && bare.target == "/" && bare.hostHeader == "example.test")
        let v6 = try #require(ProbeURL("http://user@[::1]:9000?q"))
        #expect(v6.host == "::1" && v6.port == 9000 && v6.hostHeader == "[::1]:9000" && v6.target == "/?q")
        #expect(ProbeURL("http://:80/") == nil)
        #expect(ProbeURL("http://host:99999/") == nil)
        #expect(ProbeURL("127.0.0.1:80") == nil)
    }

    // MARK: TCP

    @Test("a TCP probe is healthy when the port accepts and refused when it is closed")
    func tcp() async throws {
        let listener = try ListeningSocket()
        defer { listener.close() }
        #expect(
            await TCPProbe(host: "127.0.0.1", port: listener.port, reactor: reactor).check(timeout: .seconds(3))
                == .healthy)
        #expect(
            await TCPProbe(host: "localhost", port: listener.port, reactor: reactor).check(timeout: .seconds(3))
                == .healthy)
        let port = try closedPort()
        #expect(
            await TCPProbe(host: "127.0.0.1", port: port, reactor: reactor).check(timeout: .seconds(3))
                == .unhealthy("connection refused"))
    }

    @Test("a TCP probe of a name that does not resolve says so")
    func tcpUnresolvable() async {
        let result = await TCPProbe(host: "no-such-host.invalid", port: 80, reactor: reactor)
            .check(timeout: .seconds(3))
        guard case .unhealthy(let reason) = result else {
            Issue.record("expected unhealthy, got \(result)")
            return
        }
        #expect(reason.hasPrefix("cannot resolve no-such-host.invalid"))
    }

    @Test("probes leave no descriptor open")
    func noLeaks() async throws {
        let server = try TinyHTTPServer(status: 200)
        defer { server.stop() }
        let closed = try closedPort()
        // Other suites run in parallel and open descriptors of their own, so counting /proc/self/fd is noisy.
        // Count only what a leak would leave: sockets of this process still connected to the probed server (a
        // socket whose connection was refused is in no TCP table, so the refused path is exercised but cannot be
        // told apart from other suites' sockets; it shares `ProbeConnection` with the connected path).
        for _ in 0..<100 {
            _ = await HTTPProbe(url: "http://127.0.0.1:\(server.port)/", expectStatus: nil, reactor: reactor)
                .check(timeout: .seconds(3))
            _ = await TCPProbe(host: "127.0.0.1", port: server.port, reactor: reactor).check(timeout: .seconds(3))
            _ = await TCPProbe(host: "127.0.0.1", port: closed, reactor: reactor).check(timeout: .seconds(3))
        }
        #expect(openSockets(toPorts: [server.port]) == 0)
    }

    // MARK: File

    @Test("a heartbeat file is healthy while fresh, unhealthy when stale or missing")
    func heartbeatFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/heartbeat"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("beat".utf8)))
        let probe = FileProbe(path: path, maxAge: .seconds(10))
        #expect(await probe.check(timeout: .seconds(1)) == .healthy)

        var times = [timespec(tv_sec: time(nil) - 60, tv_nsec: 0), timespec(tv_sec: time(nil) - 60, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        guard case .unhealthy(let reason) = await probe.check(timeout: .seconds(1)) else {
            Issue.record("a heartbeat 60s old should be stale with maxAge 10s")
            return
        }
        #expect(reason.hasPrefix("heartbeat file is 1m old") || reason.hasPrefix("heartbeat file is 61s old"))
        #expect(reason.hasSuffix("max 10s"))

        let missing = FileProbe(path: directory + "/nothing", maxAge: .seconds(10))
        #expect(
            await missing.check(timeout: .seconds(1))
                == .unhealthy("heartbeat file \(directory)/nothing does not exist"))
    }

    // MARK: Exec

    @Test("an exec probe is healthy on exit 0 and names the status and last output line otherwise")
    func exec() async {
        let runner = FoundationCommandRunner()
        let ok = ExecProbe(arguments: ["/bin/sh", "-c", "exit 0"], runner: runner)
        #expect(await ok.check(timeout: .seconds(5)) == .healthy)
        let failing = ExecProbe(arguments: ["/bin/sh", "-c", "exit 2"], runner: runner)
        #expect(await failing.check(timeout: .seconds(5)) == .unhealthy("exit status 2"))
        let talking = ExecProbe(
            arguments: ["/bin/sh", "-c", "echo checking; echo 'disk full  '; exit 1"], runner: runner)
        #expect(await talking.check(timeout: .seconds(5)) == .unhealthy("exit status 1: disk full"))
        let killed = ExecProbe(arguments: ["/bin/sh", "-c", "kill -KILL $$"], runner: runner)
        #expect(await killed.check(timeout: .seconds(5)) == .unhealthy("killed by SIGKILL"))
    }

    @Test("an exec probe that outlives its timeout is killed and reported as timed out")
    func execTimeout() async {
        let clock = ContinuousClock()
        let start = clock.now
        let probe = ExecProbe(arguments: ["/bin/sleep", "30"], runner: FoundationCommandRunner())
        #expect(await probe.check(timeout: .milliseconds(200)) == .unhealthy("timed out after 200ms"))
        #expect(clock.now - start < .seconds(25), "killed, not waited for: the command sleeps 30 s")
    }

    @Test("an exec probe whose command cannot start is unhealthy, not a crash")
    func execMissing() async {
        let probe = ExecProbe(arguments: ["/nonexistent/check"], runner: FoundationCommandRunner())
        guard case .unhealthy(let reason) = await probe.check(timeout: .seconds(2)) else {
            Issue.record("a missing executable must be unhealthy")
            return
        }
        #expect(reason.hasPrefix("cannot run /nonexistent/check"))
    }

    // MARK: From the DSL

    @Test("makeProbe builds each kind from the compiled health setting, paths from the configuration root")
    func factory() async throws {
        let runner = FoundationCommandRunner()
        let http = makeProbe(
            for: Kernel.HealthProbe(check: .http(url: "http://127.0.0.1:8080/healthz", expect: 204)), root: "/srv",
            runner: runner, reactor: reactor)
        #expect((http as? HTTPProbe)?.url == "http://127.0.0.1:8080/healthz")
        #expect((http as? HTTPProbe)?.expectStatus == 204)

        let tcp = makeProbe(
            for: Kernel.HealthProbe(check: .tcp(host: "[::1]", port: 5432)), root: "/srv", runner: runner,
            reactor: reactor)
        #expect((tcp as? TCPProbe)?.host == "[::1]" && (tcp as? TCPProbe)?.port == 5432)

        let span = SourceSpan(
            file: "k.yaml", start: .init(line: 1, column: 1, offset: 0), end: .init(line: 1, column: 1, offset: 0))
        let exec = makeProbe(
            for: Kernel.HealthProbe(check: .exec(Located(Command(["./bin/check", "--quick"]), at: span))),
            root: "/srv/",
            runner: runner, reactor: reactor)
        #expect((exec as? ExecProbe)?.arguments == ["/srv/bin/check", "--quick"])
        let bare = makeProbe(
            for: Kernel.HealthProbe(check: .exec(Located(Command(["pg_isready"]), at: span))), root: "/srv",
            runner: runner, reactor: reactor)
        #expect((bare as? ExecProbe)?.arguments == ["pg_isready"])

        var heartbeat = Kernel.HealthProbe(check: .file(path: "var/api/heartbeat"))
        heartbeat.every = .seconds(5)
        heartbeat.failures = 3
        let file = makeProbe(for: heartbeat, root: "/srv", runner: runner, reactor: reactor) as? FileProbe
        #expect(file?.path == "/srv/var/api/heartbeat")
        #expect(file?.maxAge == .seconds(15))
        let absolute = makeProbe(
            for: Kernel.HealthProbe(check: .file(path: "/run/beat")), root: "/srv", runner: runner, reactor: reactor)
        #expect((absolute as? FileProbe)?.path == "/run/beat")
    }

    @Test("durations in reasons read like the YAML")
    func durationText() {
        #expect(ProbeDeadline.describe(.seconds(1)) == "1s")
        #expect(ProbeDeadline.describe(.milliseconds(250)) == "250ms")
        #expect(ProbeDeadline.describe(.milliseconds(1500)) == "1.5s")
        #expect(ProbeDeadline.describe(.seconds(120)) == "2m")
    }
}

// MARK: - Helpers

/// A test-only `CommandRunner` over Foundation's Process (Grace itself runs commands through the supervisor).
private struct FoundationCommandRunner: CommandRunner {
    struct NotStarted: Error, CustomStringConvertible {
        var description: String
    }

    func run(_ arguments: [String], timeout: Duration) async throws -> CommandOutcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let (ended, signalEnd) = AsyncStream.makeStream(of: Void.self)
        process.terminationHandler = { _ in
            signalEnd.yield()
            signalEnd.finish()
        }
        do {
            try process.run()
        } catch {
            throw NotStarted(description: "\(error)")
        }
        let inTime = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in ended { return true }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !inTime {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let status = process.terminationStatus
        switch process.terminationReason {
        case .uncaughtSignal:
            return CommandOutcome(status: nil, signal: status, output: text, timedOut: !inTime)
        default:
            return CommandOutcome(status: status, signal: nil, output: text, timedOut: !inTime)
        }
    }
}

/// A socket listening on the loopback interface, port chosen by the kernel, that never accepts: connects
/// complete (the backlog takes them) but nothing is ever answered.
private final class ListeningSocket: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init(ipv6: Bool = false) throws {
        (fd, port) = try bindLoopback(ipv6: ipv6)
        guard listen(fd, 64) == 0 else { throw SocketSetupError(call: "listen") }
    }

    func close() {
        _ = Glibc.close(fd)
    }
}

private struct SocketSetupError: Error {
    var call: String
    var code: Int32 = errno
}

/// Binds a TCP socket to 127.0.0.1 (or ::1) port 0.
private func bindLoopback(ipv6: Bool) throws -> (Int32, Int) {
    let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw SocketSetupError(call: "socket") }
    var bound: Int32
    if ipv6 {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
    } else {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
    guard bound == 0 else {
        let error = SocketSetupError(call: "bind")
        _ = Glibc.close(fd)
        throw error
    }
    var address = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    let port = withUnsafeBytes(of: &address) { raw -> Int in
        // sin_port and sin6_port sit at the same offset, in network order.
        Int(UInt16(raw[2]) << 8 | UInt16(raw[3]))
    }
    return (fd, port)
}

/// A port on 127.0.0.1 that nothing listens on: bound by us, then released.
private func closedPort() throws -> Int {
    let (fd, port) = try bindLoopback(ipv6: false)
    _ = Glibc.close(fd)
    return port
}

/// A one-thread HTTP server on 127.0.0.1: accepts, reads the request head, answers with a fixed status (or raw
/// bytes), closes. Requests it saw are delivered on a stream so that tests wait on events, not sleeps.
private final class TinyHTTPServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let done = DispatchSemaphore(value: 0)
    private let requests: AsyncStream<String>
    private let stopped = NSLock()

    convenience init(status: Int, ipv6: Bool = false) throws {
        try self.init(
            rawResponse: "HTTP/1.1 \(status) Whatever\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ipv6: ipv6)
    }

    init(rawResponse: String, ipv6: Bool = false) throws {
        (fd, port) = try bindLoopback(ipv6: ipv6)
        guard listen(fd, 64) == 0 else { throw SocketSetupError(call: "listen") }
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        requests = stream
        let response = Array(rawResponse.utf8)
        let thread = Thread { [fd, done] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    break
                }
                var head: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 1024)
                while !head.ends(with: Array("\r\n\r\n".utf8)) && head.count < 16384 {
                    let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress!, $0.count, 0) }
                    if n <= 0 { break }
                    head.append(contentsOf: chunk[..<n])
                }
                continuation.yield(String(decoding: head, as: UTF8.self))
                if !response.isEmpty {
                    _ = response.withUnsafeBytes { send(client, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
                }
                _ = Glibc.close(client)
            }
            continuation.finish()
            done.signal()
        }
        thread.start()
    }

    /// The first request the server read, or nil after `within`.
    func firstRequest(within limit: Duration) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask { [requests] in
                for await request in requests { return request }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Shuts the listening socket down (which wakes accept), waits for the thread, closes.
    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        done.wait()
        _ = Glibc.close(fd)
    }

    static let loopbackIPv6Works: Bool = {
        guard let (fd, _) = try? bindLoopback(ipv6: true) else { return false }
        _ = Glibc.close(fd)
        return true
    }()
}

/// The number of this process's open sockets whose remote end is one of `ports` on the loopback, found by
/// matching the socket inodes behind /proc/self/fd with /proc/self/net/tcp{,6}.
private func openSockets(toPorts ports: [Int]) -> Int {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    var inodes = Set<String>()
    for entry in entries {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry),
            target.hasPrefix("socket:[")
        else { continue }
        inodes.insert(String(target.dropFirst("socket:[".count).dropLast()))
    }
    let hexPorts = Set(ports.map { String(format: "%04X", $0) })
    var count = 0
    for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
        guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            let fields = line.split(separator: " ")
            guard fields.count > 9, let remotePort = fields[2].split(separator: ":").last else { continue }
            if hexPorts.contains(String(remotePort)) && inodes.contains(String(fields[9])) { count += 1 }
        }
    }
    return count
}

private func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "grace-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

extension Array where Element: Equatable {
    fileprivate func ends(with suffix: [Element]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
