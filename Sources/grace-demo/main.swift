// grace-demo — a small, real service for Grace to supervise (the kernels of the default configuration).
//
//   grace-demo --name NAME --port N [--data DIR] [--fail-after SECONDS]
//
// * serves HTTP/1.1 on 127.0.0.1:PORT: `GET /healthz` (200 "ok", 503 in a failure mode) and `GET /` (JSON status);
// * keeps DIR/data.db, a plain-text file of checksummed records: seeded at first start, appended every 5 s and
//   verified before every append (a corrupt file puts the service into a failure mode and is never written to);
// * logs `<Date> <Time> <Level> <Component>: <Content>` lines to stdout, with the odd WARN;
// * speaks sd_notify when NOTIFY_SOCKET is set: READY=1 once listening, WATCHDOG=1 every WATCHDOG_USEC/2
//   (2 s without it) and STOPPING=1 on SIGTERM/SIGINT, after which it exits 0;
// * SIGUSR1 logs a one-line state dump; `--fail-after` enters a failure mode after that many seconds.

import Foundation
import Glibc

func die(_ message: String) -> Never {
    FileHandle.standardError.write(Data("grace-demo: \(message)\n\(Options.usage)\n".utf8))
    exit(2)
}

/// Seconds on a monotonic clock, for durations.
func monotonic() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR. SIGPIPE is ignored, so a gone peer is EPIPE.
@discardableResult
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { raw in
            raw.baseAddress.map { write(fd, $0 + offset, raw.count - offset) } ?? -1
        }
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return false }
        offset += written
    }
    return true
}

/// CRC-32 (IEEE), bitwise: the records are short.
func crc32<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}

func requestID() -> String { String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF)) }

struct Options {
    static let usage = "usage: grace-demo --name NAME --port N [--data DIR] [--fail-after SECONDS]"
    var name = "demo"
    var port: UInt16 = 8080
    var dataDir: String?
    var failAfter: Double?

    static func parse(_ arguments: ArraySlice<String>) -> Options {
        var options = Options()
        var rest = arguments
        while let flag = rest.popFirst() {
            guard ["--name", "--port", "--data", "--fail-after"].contains(flag) else {
                if flag == "-h" || flag == "--help" { print(usage); exit(0) }
                die("unknown argument '\(flag)'")
            }
            guard let value = rest.popFirst() else { die("\(flag) needs a value") }
            switch flag {
            case "--name":
                guard !value.isEmpty, !value.contains(where: { $0.isWhitespace }) else { die("--name must be one word") }
                options.name = value
            case "--port":
                guard let port = UInt16(value), port > 0 else { die("--port must be 1-65535, not '\(value)'") }
                options.port = port
            case "--data":
                options.dataDir = value
            default:
                guard let seconds = Double(value), seconds >= 0 else { die("--fail-after must be seconds >= 0") }
                options.failAfter = seconds
            }
        }
        return options
    }
}

/// Log lines in the format the kernels declare: `2026-11-26 10:12:01,123 INFO api.http: ...`.
final class Logger: @unchecked Sendable {
    private let lock = NSLock()
    private let name: String
    init(name: String) { self.name = name }

    func info(_ component: String, _ message: String) { log("INFO", component, message) }
    func warn(_ component: String, _ message: String) { log("WARN", component, message) }
    func error(_ component: String, _ message: String) { log("ERROR", component, message) }

    private func log(_ level: String, _ component: String, _ message: String) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        let date = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let line = "\(date),\(String(format: "%03d", Int(now.tv_nsec / 1_000_000))) \(level) \(name).\(component): \(message)\n"
        lock.withLock { _ = writeAll(STDOUT_FILENO, Array(line.utf8)) }
    }
}

/// DIR/data.db: a `#` header, then one record per line: `ID UNIX-MS CRC32 PAYLOAD`, the CRC over `ID UNIX-MS PAYLOAD`.
final class DataStore: @unchecked Sendable {
    enum Check { case ok(records: Int, lastID: Int), corrupt(line: Int, reason: String) }
    let path: String
    private let lock = NSLock()
    private var nextID = 1
    private(set) var records = 0

    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory.hasSuffix("/") ? directory + "data.db" : directory + "/data.db"
    }

    static func encode(id: Int, payload: String) -> String {
        let body = "\(id) \(Int(Date().timeIntervalSince1970 * 1000))"
        return "\(body) \(String(format: "%08x", crc32("\(body) \(payload)".utf8))) \(payload)\n"
    }

    /// Reads the whole file and checks every record: well-formed, increasing ids, matching checksum, whole last line.
    func verify() -> Check {
        lock.withLock {
            guard let data = FileManager.default.contents(atPath: path) else { return .ok(records: 0, lastID: 0) }
            if !data.isEmpty && data.last != UInt8(ascii: "\n") {
                return .corrupt(line: data.split(separator: UInt8(ascii: "\n")).count, reason: "torn_write")
            }
            var count = 0, lastID = 0
            for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
                if line.hasPrefix("#") { continue }
                let fields = line.split(separator: " ", maxSplits: 3)
                guard fields.count == 4, let id = Int(fields[0]), Int(fields[1]) != nil,
                      let stored = UInt32(fields[2], radix: 16) else {
                    return .corrupt(line: index + 1, reason: "unparseable")
                }
                guard id > lastID else { return .corrupt(line: index + 1, reason: "out_of_order") }
                guard crc32("\(fields[0]) \(fields[1]) \(fields[3])".utf8) == stored else {
                    return .corrupt(line: index + 1, reason: "checksum_mismatch")
                }
                count += 1
                lastID = id
            }
            records = count
            nextID = lastID + 1
            return .ok(records: count, lastID: lastID)
        }
    }

    /// Appends records and fsyncs; returns the last id, the bytes written and the fsync time in ms, nil on an I/O error.
    func append(_ payloads: [String], header: String? = nil) -> (lastID: Int, bytes: Int, fsyncMs: Double)? {
        lock.withLock {
            var text = header.map { "# \($0)\n" } ?? ""
            for payload in payloads {
                text += DataStore.encode(id: nextID, payload: payload)
                nextID += 1
            }
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            guard writeAll(fd, Array(text.utf8)) else { return nil }
            let start = monotonic()
            guard fsync(fd) == 0 else { return nil }
            records += payloads.count
            return (nextID - 1, text.utf8.count, (monotonic() - start) * 1000)
        }
    }
}

/// sd_notify over an AF_UNIX datagram socket; a name starting with '@' is in the abstract namespace.
final class Notifier: @unchecked Sendable {
    let target: String
    private let fd: Int32
    private let address: sockaddr_un
    private let length: socklen_t

    init?(socketPath: String, log: Logger) {
        var bytes = Array(socketPath.utf8)
        var address = sockaddr_un()
        let abstract = bytes.first == UInt8(ascii: "@")
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard abstract || bytes.first == UInt8(ascii: "/"), bytes.count < capacity || (abstract && bytes.count == capacity) else {
            log.warn("notify", "ignoring NOTIFY_SOCKET \(socketPath): not an absolute path or @abstract name that fits")
            return nil
        }
        if abstract { bytes[0] = 0 }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? MemoryLayout<sa_family_t>.size
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { log.warn("notify", "cannot create notify socket: errno \(errno)"); return nil }
        self.address = address
        self.length = socklen_t(pathOffset + bytes.count + (abstract ? 0 : 1))
        self.target = socketPath
    }

    @discardableResult
    func send(_ message: String) -> Bool {
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
            }
        }
        return sent == bytes.count
    }
}

final class Service: @unchecked Sendable {
    let options: Options
    let log: Logger
    let store: DataStore?
    let notifier: Notifier?
    let startedAt = monotonic()
    private let lock = NSLock()
    private var failure: String?
    private var requests = 0
    private var connections = 0
    private var stopping = false
    private var listener: Int32 = -1

    init(options: Options) {
        self.options = options
        let log = Logger(name: options.name)
        self.log = log
        notifier = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"].flatMap { Notifier(socketPath: $0, log: log) }
        do {
            store = try options.dataDir.map { try DataStore(directory: $0) }
        } catch {
            log.error("data", "cannot create data directory \(options.dataDir ?? ""): \(error.localizedDescription)")
            exit(1)
        }
    }

    var failureReason: String? { lock.withLock { failure } }
    var uptime: Double { monotonic() - startedAt }

    func fail(_ reason: String) {
        let first = lock.withLock { () -> Bool in defer { failure = failure ?? reason }; return failure == nil }
        if first { log.error("main", "health degraded: \(reason), answering 503 on /healthz") }
    }

    // MARK: data

    func openStore() {
        guard let store else { return }
        switch store.verify() {
        case .corrupt(let line, let reason):
            reportCorruption(line: line, reason: reason)
        case .ok(let records, _) where records == 0:
            let seed = (1...3).map { "kind=seed name=\(options.name) seq=\($0) value=\(Int.random(in: 100...999))" }
            if store.append(seed, header: "grace-demo records v1 name=\(options.name)") != nil {
                log.info("data", "created \(store.path) with \(seed.count) seed records")
            } else {
                log.error("data", "cannot write \(store.path): \(String(cString: strerror(errno)))")
                exit(1)
            }
        case .ok(let records, let lastID):
            log.info("data", "opened \(store.path): \(records) records verified, last id \(lastID)")
            _ = store.append(["kind=boot name=\(options.name) pid=\(getpid())"])
        }
    }

    func reportCorruption(line: Int, reason: String) {
        guard let store else { return }
        log.error("data", "corrupt record at line \(line) of \(store.path) reason \(reason)")
        fail("data file \(store.path) is corrupt")
    }

    func appendTick() {
        guard let store, failureReason == nil else { return }
        if case .corrupt(let line, let reason) = store.verify() { return reportCorruption(line: line, reason: reason) }
        let payload = "kind=tick name=\(options.name) requests=\(lock.withLock { requests }) value=\(Int.random(in: 100...999))"
        let start = monotonic()
        guard let (id, bytes, fsyncMs) = store.append([payload]) else {
            return log.error("data", "append to \(store.path) failed: \(String(cString: strerror(errno)))")
        }
        if fsyncMs > 20 {
            log.warn("data", "slow flush: fsync took \(Int(fsyncMs))ms (budget 20ms) for \(store.path)")
        }
        let took = String(format: "%.2f", (monotonic() - start) * 1000)
        log.info("data", "appended record \(id) (\(bytes) bytes) to \(store.path) in \(took)ms")
    }

    // MARK: HTTP

    func listen() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = options.port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, Glibc.listen(fd, 128) == 0 else {
            log.error("http", "cannot listen on 127.0.0.1:\(options.port): \(String(cString: strerror(errno)))")
            exit(1)
        }
        lock.withLock { listener = fd }
        log.info("http", "listening on 127.0.0.1:\(options.port)")
    }

    func acceptLoop() {
        let fd = lock.withLock { listener }
        while true {
            var peer = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let client = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fd, $0, &length) }
            }
            if client < 0 {
                switch errno {
                case EINTR, ECONNABORTED: continue
                case EMFILE, ENFILE:
                    log.error("http", "accept failed: too many open files, backing off 100ms")
                    usleep(100_000)
                    continue
                default:
                    if lock.withLock({ stopping }) { return }
                    log.error("http", "accept failed: \(String(cString: strerror(errno)))")
                    usleep(100_000)
                    continue
                }
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            inet_ntop(AF_INET, &peer.sin_addr, &text, socklen_t(text.count))
            let from = "\(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)):\(UInt16(bigEndian: peer.sin_port))"
            let busy = lock.withLock { () -> Bool in connections += 1; return connections > 64 }
            Thread.detachNewThread { [self] in
                handle(client, from: from, busy: busy)
                lock.withLock { connections -= 1 }
            }
        }
    }

    func handle(_ client: Int32, from: String, busy: Bool) {
        defer { close(client) }
        let start = monotonic(), id = requestID()
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        var timedOut = false
        while request.count <= 8192 && !request.contains(end) {
            let count = read(client, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { timedOut = count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK); break }
            request += chunk[0..<count]
        }
        if request.isEmpty { return }  // a probe that connected and left (tcp health checks do this)
        let firstLine = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = firstLine.split(separator: " ", omittingEmptySubsequences: false)
        let method = parts.first.map(String.init) ?? "-"
        let target = parts.count > 1 ? String(parts[1]) : "-"
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target

        let status: Int, body: String, contentType: String
        if busy {
            (status, body, contentType) = (503, "busy\n", "text/plain")
        } else if !request.contains(end) {
            (status, body, contentType) = (request.count > 8192 ? 431 : timedOut ? 408 : 400, "bad request\n", "text/plain")
        } else if parts.count != 3 || !parts[2].hasPrefix("HTTP/1.") || !path.hasPrefix("/") {
            (status, body, contentType) = (400, "bad request\n", "text/plain")
        } else if method != "GET" && method != "HEAD" {
            (status, body, contentType) = (405, "method not allowed\n", "text/plain")
        } else if path == "/healthz" {
            let reason = failureReason
            (status, body, contentType) = (reason == nil ? 200 : 503, reason.map { "failing: \($0)\n" } ?? "ok\n", "text/plain")
        } else if path == "/" {
            (status, body, contentType) = (200, statusJSON(), "application/json")
        } else {
            (status, body, contentType) = (404, "not found\n", "text/plain")
        }
        let reasons = [200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
                       408: "Request Timeout", 431: "Request Header Fields Too Large", 503: "Service Unavailable"]
        var head = "HTTP/1.1 \(status) \(reasons[status] ?? "Error")\r\nServer: grace-demo\r\nContent-Type: \(contentType)\r\n"
        head += "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\(status == 405 ? "Allow: GET, HEAD\r\n" : "")\r\n"
        writeAll(client, Array((method == "HEAD" ? head : head + body).utf8))

        lock.withLock { requests += 1 }
        let took = String(format: "%.2f", (monotonic() - start) * 1000)
        if status < 400 || status == 404 || (status == 503 && !busy) {
            log.info("http", "served \(method) \(path) \(status) in \(took)ms from \(from) req \(id)")
        } else {
            log.warn("http", "rejected request from \(from) with \(status) after \(took)ms req \(id)")
        }
    }

    func statusJSON() -> String {
        let (served, reason) = lock.withLock { (requests, failure) }
        let status: [String: Any] = [
            "name": options.name, "status": reason == nil ? "ok" : "failing", "reason": reason ?? NSNull(),
            "pid": Int(getpid()), "port": Int(options.port), "uptime_seconds": (uptime * 10).rounded() / 10,
            "requests": served, "records": store?.records ?? 0, "data": store?.path ?? NSNull(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: status, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    // MARK: lifecycle

    func dumpState() {
        let (served, open, reason) = lock.withLock { (requests, connections, failure) }
        log.info("main", "state dump: uptime \(String(format: "%.1f", uptime))s, \(served) requests, \(open) open connections, "
            + "\(store?.records ?? 0) records, failure \(reason ?? "none")")
    }

    func shutdown(signal name: String) {
        guard lock.withLock({ () -> Bool in defer { stopping = true }; return !stopping }) else { return }
        log.info("main", "received \(name), shutting down after \(String(format: "%.1f", uptime))s and \(lock.withLock { requests }) requests")
        notifier?.send("STOPPING=1")
        lock.withLock { Glibc.shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
        _ = store?.verify()  // takes the store lock: waits for an append in flight
        log.info("main", "stopped cleanly")
        exit(0)
    }

    func run() -> Never {
        log.info("main", "starting grace-demo pid \(getpid()) on port \(options.port), data \(options.dataDir ?? "none")")
        openStore()
        listen()
        Thread.detachNewThread { [self] in acceptLoop() }

        var watchdogEvery = 2.0
        if let usec = ProcessInfo.processInfo.environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            watchdogEvery = Double(usec) / 2e6
        }
        if let notifier {
            if notifier.send("READY=1\nSTATUS=listening on 127.0.0.1:\(options.port)") {
                log.info("notify", "sent READY=1 to \(notifier.target), watchdog every \(String(format: "%.2f", watchdogEvery))s")
            } else {
                log.warn("notify", "READY=1 to \(notifier.target) failed: \(String(cString: strerror(errno)))")
            }
        }
        var nextWatchdog = monotonic() + watchdogEvery, nextAppend = monotonic() + 5, watchdogDelivered = true
        while true {
            usleep(100_000)
            let now = monotonic()
            if let notifier, now >= nextWatchdog {
                let sent = notifier.send("WATCHDOG=1")
                if !sent && watchdogDelivered { log.warn("notify", "WATCHDOG=1 to \(notifier.target) failed: errno \(errno)") }
                watchdogDelivered = sent
                nextWatchdog = now + watchdogEvery
            }
            let injected = options.failAfter.map { uptime >= $0 } ?? false
            if injected { fail("injected failure after \(Int(options.failAfter ?? 0))s (--fail-after)") }
            guard now >= nextAppend else { continue }
            nextAppend = now + 5
            if failureReason != nil {
                guard injected else { continue }
                log.error("http", "request handler stalled for \(Int.random(in: 3000...3100))ms waiting on worker pool, request id \(requestID())")
                continue
            }
            appendTick()
            switch Int.random(in: 0..<18) {
            case 0: log.warn("http", "connection pool at \(Int.random(in: 80...95))% (\(Int.random(in: 13...15))/16 in use)")
            case 1: log.warn("http", "request queue depth \(Int.random(in: 33...60)) above soft limit 32")
            case 2: log.warn("main", "gc pause \(Int.random(in: 11...40))ms exceeded budget 10ms")
            default: break
            }
        }
    }
}

let service = Service(options: Options.parse(CommandLine.arguments.dropFirst()))
signal(SIGPIPE, SIG_IGN)
let signalQueue = DispatchQueue(label: "grace-demo.signals")
let signalSources = [SIGTERM, SIGINT, SIGUSR1].map { number -> DispatchSourceSignal in
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: signalQueue)
    source.setEventHandler {
        switch number {
        case SIGUSR1: service.dumpState()
        case SIGTERM: service.shutdown(signal: "SIGTERM")
        default: service.shutdown(signal: "SIGINT")
        }
    }
    source.resume()
    return source
}
service.run()
