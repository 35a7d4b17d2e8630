// grace-demo — a small, real service for Grace to supervise (the kernels of the default configuration).
//
//   grace-demo --name NAME --port N [--data DIR] [--fail-after SECONDS] [--crash-after SECONDS] [--fault SPEC]...
//
// * serves HTTP/1.1 on 127.0.0.1:PORT: `GET /healthz` (200 "ok", 503 in a failure mode) and `GET /` (JSON status);
// * keeps DIR/data.db, a plain-text file of checksummed records: seeded at first start, appended every 5 s and
//   verified before every append (a corrupt file puts the service into a failure mode and is never written to);
// * logs `<Date> <Time> <Level> <Component>: <Content>` lines to stdout, with the odd WARN;
// * speaks sd_notify when NOTIFY_SOCKET is set: READY=1 once listening, WATCHDOG=1 every WATCHDOG_USEC/2
//   (2 s without it) and STOPPING=1 on SIGTERM/SIGINT, after which it exits 0;
// * SIGUSR1 logs a one-line state dump; `--fail-after` enters a failure mode after that many seconds.
//
// Fault injection, for tests and chaos drills. `GET /fault` lists the faults (JSON) and what is active.
// Parameters go in the query string or a form body (`curl -d`); an unknown or bad one is a 400 and nothing happens.
//
//   POST /fault/crash?how=abort|exit|segv&code=N   FATAL line, then abort(), exit(N) (1) or a segmentation fault
//   POST /fault/hang?seconds=S                      the threads that serve, heartbeat, append and handle SIGTERM
//                                                   block (forever without `seconds`); the process stays alive
//   POST /fault/leak?mb=N&every=100ms&max=M         allocate and touch N MiB (8) every interval up to M MiB (1024)
//   POST /fault/burn?threads=N&seconds=S            N busy-looping threads (1) for S seconds (60)
//   POST /fault/corrupt?how=flip|torn|garbage       damage DIR/data.db: the check fails, ERROR line, 503 on /healthz
//   POST /fault/emit?line=TEXT&count=N&level=L&component=C   log TEXT N times (1) as an ERROR (or L) line
//   POST /fault/silence?seconds=S                   stop WATCHDOG=1 (for S seconds, or until stopped), keep serving
//   POST /fault/stop?name=leak|burn|silence         end the reversible faults (all by default; frees leaked memory)
//
// Every fault also takes `after=DURATION` (inject it later). At start, `--fault 'NAME?PARAMS'` (repeatable) injects
// one once the service listens, e.g. `--fault 'leak?mb=4&every=1s' --fault 'crash?how=segv&after=30s'`, and
// `--crash-after SECONDS` is `--fault crash?after=SECONDS`. SIGUSR2 crashes (abort), even while hung.
// Durations are `250ms`, `2s`, `1.5m`, `500us`, `1h` or plain seconds.

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

/// `250ms`, `2.5s`: a duration for log lines and answers.
func describe(_ seconds: Double) -> String {
    seconds < 1 ? String(format: "%.0fms", seconds * 1000) : String(format: "%gs", seconds)
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
    static let usage = "usage: grace-demo --name NAME --port N [--data DIR] [--fail-after SECONDS] [--crash-after SECONDS] "
        + "[--fault 'NAME?PARAMS']..."
    var name = "demo"
    var port: UInt16 = 8080
    var dataDir: String?
    var failAfter: Double?
    /// Faults to inject once listening, each with its delay in seconds.
    var faults: [(fault: Fault, after: Double)] = []

    static func parse(_ arguments: ArraySlice<String>) -> Options {
        var options = Options()
        var rest = arguments
        while let flag = rest.popFirst() {
            guard ["--name", "--port", "--data", "--fail-after", "--crash-after", "--fault"].contains(flag) else {
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
            case "--crash-after":
                guard let seconds = parseSeconds(value), seconds <= 86_400 else { die("--crash-after must be seconds >= 0") }
                options.faults.append((.crash(how: .abort, code: 1), seconds))
            case "--fault":
                let parts = value.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
                guard let parameters = decodeForm(parts.count > 1 ? parts[1] : "") else {
                    die("--fault '\(value)': bad percent-encoding")
                }
                do {
                    options.faults.append(try Fault.parse(String(parts[0]), parameters))
                } catch {
                    die("--fault '\(value)': \(error.message)")
                }
            default:
                guard let seconds = Double(value), seconds >= 0 else { die("--fail-after must be seconds >= 0") }
                options.failAfter = seconds
            }
        }
        if options.dataDir == nil, options.faults.contains(where: { if case .corrupt = $0.fault { true } else { false } }) {
            die("--fault corrupt needs --data DIR")
        }
        return options
    }
}

/// A refused fault request: the HTTP status and why (400 for a bad parameter, 404 for an unknown fault).
struct FaultError: Error {
    let status: Int
    let message: String
    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
    init(_ message: String) { self.init(400, message) }
}

/// `250ms`, `2s`, `1.5m`, `500us`, `1h` or plain seconds; nil unless finite and >= 0.
func parseSeconds<S: StringProtocol>(_ text: S) -> Double? {
    let units: [(suffix: String, scale: Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
    let unit = units.first { text.hasSuffix($0.suffix) }
    guard let number = Double(text.dropLast(unit?.suffix.count ?? 0)), number.isFinite, number >= 0 else { return nil }
    return number * (unit?.scale ?? 1)
}

/// `a=1&b=x+y%21` -> ["a": "1", "b": "x y!"]; nil on a bad escape. A repeated name keeps the last value.
func decodeForm<S: StringProtocol>(_ text: S) -> [String: String]? {
    func decode(_ part: Substring) -> String? {
        var bytes: [UInt8] = [], input = Array(part.utf8)[...]
        while let byte = input.popFirst() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard input.count >= 2, let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16) else {
                    return nil
                }
                bytes.append(value)
                input = input.dropFirst(2)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    var values: [String: String] = [:]
    for pair in String(text).split(separator: "&") {
        let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard let key = decode(halves[0]), let value = decode(halves.count > 1 ? halves[1] : "") else { return nil }
        values[key] = value
    }
    return values
}

/// Typed, range-checked access to a fault's parameters; every failure is a 400 with a message that says why.
struct FaultParameters {
    let values: [String: String]

    init(_ values: [String: String], allowed: [String], fault: String) throws(FaultError) {
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) && $0 != "after" }) {
            let names = (allowed + ["after"]).joined(separator: ", ")
            throw FaultError("unknown parameter '\(unknown)' for \(fault); it takes \(names)")
        }
        self.values = values
    }

    func int(_ key: String, _ range: ClosedRange<Int>) throws(FaultError) -> Int? {
        guard let text = values[key] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw FaultError("\(key) must be an integer \(range.lowerBound)-\(range.upperBound), not '\(text)'")
        }
        return value
    }

    func seconds(_ key: String, _ range: ClosedRange<Double>) throws(FaultError) -> Double? {
        guard let text = values[key] else { return nil }
        guard let value = parseSeconds(text), range.contains(value) else {
            throw FaultError("\(key) must be a duration from \(range.lowerBound)s to \(Int(range.upperBound))s "
                + "(like 100ms, 2s, 5m), not '\(text)'")
        }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) throws(FaultError) -> T
    where T.RawValue == String {
        guard let text = values[key] else { return value }
        guard let choice = T(rawValue: text) else {
            throw FaultError("\(key) must be one of \(T.allCases.map(\.rawValue).joined(separator: "|")), not '\(text)'")
        }
        return choice
    }
}

/// A validated fault, ready to inject.
enum Fault: Sendable {
    enum CrashHow: String, CaseIterable, Sendable { case abort, exit, segv }
    enum CorruptHow: String, CaseIterable, Sendable { case flip, torn, garbage }
    enum Reversible: String, CaseIterable, Sendable { case leak, burn, silence }

    case crash(how: CrashHow, code: Int32)
    case hang(seconds: Double?)
    case leak(mib: Int, every: Double, max: Int)
    case burn(threads: Int, seconds: Double)
    case corrupt(how: CorruptHow)
    case emit(line: String, count: Int, level: String, component: String)
    case silence(seconds: Double?)
    case stop(Reversible?)

    /// What `GET /fault` lists: name, parameters (defaults in parentheses), signal, what it does.
    static let catalogue: [(name: String, parameters: String, signal: String?, summary: String)] = [
        ("crash", "how=abort|exit|segv (abort), code=0-255 (1, with how=exit)", "SIGUSR2",
         "log a FATAL line, then abort(), exit(code) or a segmentation fault"),
        ("hang", "seconds=DURATION (forever)", nil,
         "block the threads that serve HTTP, heartbeat, append and handle SIGTERM; the process stays alive"),
        ("leak", "mb=1-4096 (8), every=DURATION (100ms), max=MiB (1024)", nil,
         "allocate and touch mb MiB every interval until max or /fault/stop"),
        ("burn", "threads=1-64 (1), seconds=DURATION (60)", nil, "busy-loop on that many threads"),
        ("corrupt", "how=flip|torn|garbage (flip)", nil,
         "damage the data file: its check fails, an ERROR line, 503 on /healthz"),
        ("emit", "line=TEXT (required), count=1-10000 (1), level=ERROR|FATAL|CRITICAL|WARN (ERROR), component=WORD (main)",
         nil, "log TEXT as an error line with the usual prefix"),
        ("silence", "seconds=DURATION (until /fault/stop)", nil, "stop sending WATCHDOG=1, keep serving"),
        ("stop", "name=leak|burn|silence (all)", nil, "end the reversible faults; leaked memory is freed"),
    ]

    /// Validates `name` with its parameters; returns the fault and its `after=` delay in seconds.
    static func parse(_ name: String, _ values: [String: String]) throws(FaultError) -> (fault: Fault, after: Double) {
        let fault: Fault
        let allowed: [String] = switch name {
        case "crash": ["how", "code"]
        case "hang", "silence": ["seconds"]
        case "leak": ["mb", "every", "max"]
        case "burn": ["threads", "seconds"]
        case "corrupt": ["how"]
        case "emit": ["line", "count", "level", "component"]
        case "stop": ["name"]
        default: throw FaultError(404, "no fault '\(name)'; faults: \(catalogue.map(\.name).joined(separator: ", "))")
        }
        let p = try FaultParameters(values, allowed: allowed, fault: name)
        switch name {
        case "crash":
            let how = try p.choice("how", default: CrashHow.abort)
            let code = try p.int("code", 0...255)
            if code != nil && how != .exit { throw FaultError("code applies to how=exit only") }
            fault = .crash(how: how, code: Int32(code ?? 1))
        case "hang":
            fault = .hang(seconds: try p.seconds("seconds", 0.001...86_400))
        case "silence":
            fault = .silence(seconds: try p.seconds("seconds", 0.001...86_400))
        case "leak":
            fault = .leak(
                mib: try p.int("mb", 1...4096) ?? 8, every: try p.seconds("every", 0.001...3600) ?? 0.1,
                max: try p.int("max", 1...1 << 20) ?? 1024)
        case "burn":
            fault = .burn(threads: try p.int("threads", 1...64) ?? 1, seconds: try p.seconds("seconds", 0.001...86_400) ?? 60)
        case "corrupt":
            fault = .corrupt(how: try p.choice("how", default: CorruptHow.flip))
        case "emit":
            guard let line = p.values["line"], !line.isEmpty else { throw FaultError("emit needs line=TEXT") }
            guard line.utf8.count <= 4096, !line.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw FaultError("line must be one line of at most 4096 bytes without control characters") }
            let level = p.values["level"] ?? "ERROR"
            guard ["ERROR", "FATAL", "CRITICAL", "WARN"].contains(level) else {
                throw FaultError("level must be ERROR, FATAL, CRITICAL or WARN, not '\(level)'")
            }
            let component = p.values["component"] ?? "main"
            guard (1...64).contains(component.utf8.count),
                  component.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) })
            else { throw FaultError("component must be one word of letters, digits, '.', '_' or '-'") }
            fault = .emit(line: line, count: try p.int("count", 1...10_000) ?? 1, level: level, component: component)
        default:  // stop
            var which: Reversible?
            if p.values["name"] != nil { which = try p.choice("name", default: Reversible.leak) }
            fault = .stop(which)
        }
        return (fault, try p.seconds("after", 0...86_400) ?? 0)
    }

    var name: String {
        switch self {
        case .crash: "crash"
        case .hang: "hang"
        case .leak: "leak"
        case .burn: "burn"
        case .corrupt: "corrupt"
        case .emit: "emit"
        case .silence: "silence"
        case .stop: "stop"
        }
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
    func fatal(_ component: String, _ message: String) { log("FATAL", component, message) }

    func log(_ level: String, _ component: String, _ message: String) {
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

    /// Damages the file the way a bad disk or a stray writer would, so that `verify` fails: `flip` changes one
    /// byte of the last record's payload (checksum_mismatch), `torn` cuts the file in the middle of its last line
    /// (torn_write), `garbage` overwrites the start of the first record with random bytes (unparseable).
    /// Returns what was done; nil on an I/O error (errno is set).
    func corrupt(_ how: Fault.CorruptHow) -> String? {
        lock.withLock {
            let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
            var lines: [Range<Int>] = []  // the record lines (not the `#` header), without their newline
            var start = 0
            for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
                if index > start && bytes[start] != UInt8(ascii: "#") { lines.append(start..<index) }
                start = index + 1
            }
            let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            func overwrite(_ patch: [UInt8], at offset: Int) -> Bool {
                patch.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) } == patch.count && fsync(fd) == 0
            }
            var how = how
            if how == .flip, let last = lines.last {
                // The payload starts after the third space: ID UNIX-MS CRC32 PAYLOAD.
                let spaces = bytes[last].indices.filter { bytes[$0] == UInt8(ascii: " ") }
                if spaces.count >= 3, spaces[2] + 1 < last.upperBound {
                    let offset = Int.random(in: (spaces[2] + 1)..<last.upperBound)
                    let byte: UInt8 = bytes[offset] == UInt8(ascii: "X") ? UInt8(ascii: "Y") : UInt8(ascii: "X")
                    guard overwrite([byte], at: offset) else { return nil }
                    let line = bytes[..<offset].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
                    return "byte \(offset) (line \(line)) changed from '\(Character(Unicode.Scalar(bytes[offset])))' to "
                        + "'\(Character(Unicode.Scalar(byte)))'"
                }
                how = .garbage
            }
            if how == .torn, !bytes.isEmpty {
                let cut = min(bytes.count, (lines.last?.count ?? 0) / 2 + 1)
                guard ftruncate(fd, off_t(bytes.count - cut)) == 0, fsync(fd) == 0 else { return nil }
                return "cut the last \(cut) bytes, leaving a torn last line"
            }
            let garbage = (0..<16).map { _ in UInt8.random(in: 0x80...0xFF) }
            if let first = lines.first {
                let patch = Array(garbage.prefix(first.count))
                guard overwrite(patch, at: first.lowerBound) else { return nil }
                return "overwrote \(patch.count) bytes of the first record with garbage"
            }
            guard overwrite(garbage + [UInt8(ascii: "\n")], at: bytes.count) else { return nil }
            return "appended a line of garbage"
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
    // Injected faults, under `faultCondition` (whose waiters are the threads a hang blocks).
    private let faultCondition = NSCondition()
    private var hangUntil: Double?  // monotonic seconds; infinity: forever
    private var silenceUntil: Double?
    private var leakGeneration = 0, leaking = false, leakedBlocks: [UnsafeMutableRawPointer] = [], leakedMiB = 0
    private var burnGeneration = 0, burningThreads = 0, burnSink: UInt64 = 0

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
            checkpoint()
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

    /// An answer, and what to do once it has been sent (crash and hang act after answering).
    struct Response {
        var status: Int
        var body: String
        var contentType = "text/plain"
        var allow: String?
        var then: (@Sendable () -> Void)?
    }

    func handle(_ client: Int32, from: String, busy: Bool) {
        let start = monotonic(), id = requestID()
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
        var timedOut = false
        /// Reads what is there into `request`; false at end of input, on a timeout or an error.
        func receive() -> Bool {
            while true {
                let count = read(client, &chunk, chunk.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    timedOut = count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
                    return false
                }
                request += chunk[0..<count]
                return true
            }
        }
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd = request.firstRange(of: end)
        while headEnd == nil && request.count <= 8192 && receive() { headEnd = request.firstRange(of: end) }
        if request.isEmpty { close(client); return }  // a probe that connected and left (tcp health checks do this)
        let firstLine = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = firstLine.split(separator: " ", omittingEmptySubsequences: false)
        let method = parts.first.map(String.init) ?? "-"
        let target = parts.count > 1 ? String(parts[1]) : "-"
        let targetParts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = targetParts.first.map(String.init) ?? target
        let query = targetParts.count > 1 ? targetParts[1] : ""

        var response: Response
        if busy {
            response = Response(status: 503, body: "busy\n")
        } else if headEnd == nil {
            response = Response(status: request.count > 8192 ? 431 : timedOut ? 408 : 400, body: "bad request\n")
        } else if parts.count != 3 || !parts[2].hasPrefix("HTTP/1.") || !path.hasPrefix("/") {
            response = Response(status: 400, body: "bad request\n")
        } else {
            var contentLength = 0, contentType = "", badHeader = false
            let head = String(decoding: request[..<headEnd!.lowerBound], as: UTF8.self)
            for line in head.split(whereSeparator: \.isNewline).dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { badHeader = true; continue }
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                switch line[..<colon].lowercased() {
                case "content-length":
                    if let length = Int(value), length >= 0 { contentLength = length } else { badHeader = true }
                case "transfer-encoding": badHeader = true  // chunked bodies: not for a demo
                case "content-type": contentType = value.lowercased()
                default: break
                }
            }
            let bodyStart = headEnd!.upperBound
            if badHeader {
                response = Response(status: 400, body: "bad request\n")
            } else if contentLength > 8192 {
                response = Response(status: 413, body: "body too large\n")
            } else {
                while request.count - bodyStart < contentLength && receive() {}
                if request.count - bodyStart < contentLength {
                    response = Response(status: timedOut ? 408 : 400, body: "incomplete body\n")
                } else {
                    checkpoint()  // a hung service answers nothing
                    response = route(
                        method: method, path: path, query: query, body: request[bodyStart..<(bodyStart + contentLength)],
                        contentType: contentType, from: from)
                }
            }
        }
        let reasons = [200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
                       408: "Request Timeout", 409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type",
                       431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable"]
        let status = response.status
        var head = "HTTP/1.1 \(status) \(reasons[status] ?? "Error")\r\nServer: grace-demo\r\nContent-Type: \(response.contentType)\r\n"
        head += "Content-Length: \(response.body.utf8.count)\r\nConnection: close\r\n\(response.allow.map { "Allow: \($0)\r\n" } ?? "")\r\n"
        writeAll(client, Array((method == "HEAD" ? head : head + response.body).utf8))
        close(client)

        lock.withLock { requests += 1 }
        let took = String(format: "%.2f", (monotonic() - start) * 1000)
        if status < 400 || status == 404 || (status == 503 && !busy) {
            log.info("http", "served \(method) \(path) \(status) in \(took)ms from \(from) req \(id)")
        } else {
            log.warn("http", "rejected request from \(from) with \(status) after \(took)ms req \(id)")
        }
        response.then?()
    }

    func route(method: String, path: String, query: Substring, body: ArraySlice<UInt8>, contentType: String, from: String) -> Response {
        let readOnly = method == "GET" || method == "HEAD"
        switch path {
        case "/healthz", "/", "/fault", "/fault/":
            guard readOnly else { return Response(status: 405, body: "method not allowed\n", allow: "GET, HEAD") }
            if path == "/healthz" {
                let reason = failureReason
                return Response(status: reason == nil ? 200 : 503, body: reason.map { "failing: \($0)\n" } ?? "ok\n")
            }
            return Response(status: 200, body: path == "/" ? statusJSON() : faultsJSON(), contentType: "application/json")
        case _ where path.hasPrefix("/fault/"):
            let name = String(path.dropFirst("/fault/".count))
            guard Fault.catalogue.contains(where: { $0.name == name }) else {
                return Response(status: 404, body: "no fault '\(name)'; GET /fault lists them\n")
            }
            guard method == "POST" else { return Response(status: 405, body: "method not allowed\n", allow: "POST") }
            do throws(FaultError) {
                guard var parameters = decodeForm(query) else { throw FaultError("bad percent-encoding in the query") }
                if !body.isEmpty {
                    guard contentType.isEmpty || contentType.hasPrefix("application/x-www-form-urlencoded") else {
                        throw FaultError(415, "send parameters in the query or as application/x-www-form-urlencoded")
                    }
                    guard let form = decodeForm(String(decoding: body, as: UTF8.self)) else {
                        throw FaultError("bad percent-encoding in the body")
                    }
                    parameters.merge(form) { _, body in body }
                }
                let (fault, after) = try Fault.parse(name, parameters)
                let (message, then) = try inject(fault, after: after, origin: "POST from \(from)")
                let done = if case .stop = fault, after == 0 { true } else { false }
                return Response(status: done ? 200 : 202, body: message + "\n", then: then)
            } catch {
                return Response(status: error.status, body: error.message + "\n")
            }
        default:
            return Response(status: 404, body: "not found\n")
        }
    }

    // MARK: faults

    /// Where the threads that matter pass: blocks while a hang is injected (forever, or until it is over).
    func checkpoint() {
        faultCondition.lock()
        defer { faultCondition.unlock() }
        while let until = hangUntil {
            if until.isInfinite {
                faultCondition.wait()
                continue
            }
            if monotonic() >= until {
                hangUntil = nil
                log.warn("main", "hang over: serving and heartbeating again")
                break
            }
            _ = faultCondition.wait(until: Date(timeIntervalSinceNow: until - monotonic()))
        }
    }

    var heartbeatSilenced: Bool {
        faultCondition.withLock {
            guard let until = silenceUntil else { return false }
            if monotonic() < until { return true }
            silenceUntil = nil
            return false
        }
    }

    /// Injects `fault` now, or from another thread after `after` seconds. Returns what to answer and, for a crash
    /// or a hang, what to do once the answer is out (nothing is done before `then` runs).
    func inject(_ fault: Fault, after: Double, origin: String) throws(FaultError) -> (message: String, then: (@Sendable () -> Void)?) {
        if case .corrupt = fault, store == nil { throw FaultError(409, "no data file: this instance runs without --data") }
        guard after <= 0 else {
            log.info("fault", "\(fault.name) scheduled in \(describe(after)) (\(origin))")
            Thread.detachNewThread { [self] in
                Thread.sleep(forTimeInterval: after)
                do throws(FaultError) {
                    try inject(fault, after: 0, origin: "\(origin), \(describe(after)) later").then?()
                } catch {
                    log.error("fault", "scheduled \(fault.name) failed: \(error.message)")
                }
            }
            return ("\(fault.name) scheduled in \(describe(after))", nil)
        }
        switch fault {
        case .crash(let how, let code):
            return ("crashing by \(how == .exit ? "exit(\(code))" : how.rawValue)", { [self] in crash(how, code: code, cause: origin) })
        case .hang(let seconds):
            return ("hanging \(seconds.map { "for \(describe($0))" } ?? "until killed")", { [self] in hang(seconds: seconds, cause: origin) })
        case .leak(let mib, let every, let cap):
            return (startLeak(mib: mib, every: every, cap: cap), nil)
        case .burn(let threads, let seconds):
            return (startBurn(threads: threads, seconds: seconds), nil)
        case .corrupt(let how):
            return (try corruptData(how), nil)
        case .emit(let line, let count, let level, let component):
            for _ in 0..<count { log.log(level, component, line) }
            return ("logged \(count) \(level) line\(count == 1 ? "" : "s")", nil)
        case .silence(let seconds):
            let message = "heartbeat silenced \(seconds.map { "for \(describe($0))" } ?? "until /fault/stop"), still serving"
            faultCondition.withLock { silenceUntil = seconds.map { monotonic() + $0 } ?? .infinity }
            log.warn("fault", "fault injected: \(message) (\(origin))")
            return (message, nil)
        case .stop(let which):
            return (stopFaults(which), nil)
        }
    }

    func crash(_ how: Fault.CrashHow, code: Int32, cause: String) -> Never {
        log.fatal("main", "fault injected: crash by \(how == .exit ? "exit(\(code))" : how.rawValue) (\(cause)), pid \(getpid()) going down")
        switch how {
        case .exit:
            exit(code)
        case .abort:
            signal(SIGABRT, SIG_DFL)  // no backtrace handler in the way: die of SIGABRT at once
            abort()
        case .segv:
            signal(SIGSEGV, SIG_DFL)
            UnsafeMutablePointer<UInt8>(bitPattern: 8)?.pointee = 1  // an unmapped page
            raise(SIGSEGV)
            abort()
        }
    }

    func hang(seconds: Double?, cause: String) {
        faultCondition.withLock {
            log.warn("main", "fault injected: hang \(seconds.map { "for \(describe($0))" } ?? "until killed") (\(cause)); "
                + "serving, heartbeats, appends and SIGTERM handling stop")
            hangUntil = seconds.map { monotonic() + $0 } ?? .infinity
            faultCondition.broadcast()
        }
    }

    func startLeak(mib: Int, every: Double, cap: Int) -> String {
        let generation = faultCondition.withLock { () -> Int in
            leakGeneration += 1
            leaking = true
            return leakGeneration
        }
        let message = "leaking \(mib) MiB every \(describe(every)) up to \(cap) MiB"
        log.warn("fault", "fault injected: \(message)")
        Thread.detachNewThread { [self] in
            var nextReport = 64
            func finish(_ report: String) {
                faultCondition.withLock { if leakGeneration == generation { leaking = false } }
                log.warn("fault", report)
            }
            while true {
                checkpoint()
                guard let (step, held) = faultCondition.withLock({ () -> (Int, Int)? in
                    leakGeneration == generation ? (min(mib, cap - leakedMiB), leakedMiB) : nil
                }) else { return }
                guard step > 0 else { return finish("leak reached its cap: holding \(held) MiB") }
                guard let block = malloc(step << 20) else {
                    return finish("leak: cannot allocate \(step) MiB more (\(String(cString: strerror(errno)))), holding \(held) MiB")
                }
                memset(block, 0xA5, step << 20)  // touch every page, so that RSS really grows
                let now = faultCondition.withLock { () -> Int? in
                    guard leakGeneration == generation else { return nil }
                    leakedBlocks.append(block)
                    leakedMiB += step
                    return leakedMiB
                }
                guard let now else { return free(block) }
                if now >= nextReport {
                    log.warn("main", "resident memory grew by \(now) MiB since the leak started, no sign of release")
                    nextReport = (now / 64 + 1) * 64
                }
                Thread.sleep(forTimeInterval: every)
            }
        }
        return message
    }

    func startBurn(threads: Int, seconds: Double) -> String {
        let generation = faultCondition.withLock { () -> Int in
            burnGeneration += 1
            burningThreads += threads
            return burnGeneration
        }
        let until = monotonic() + seconds
        let message = "burning CPU on \(threads) thread\(threads == 1 ? "" : "s") for \(describe(seconds))"
        log.warn("fault", "fault injected: \(message)")
        for index in 0..<threads {
            Thread.detachNewThread { [self] in
                var x = 0x9E37_79B9_7F4A_7C15 &+ UInt64(index)
                while monotonic() < until && faultCondition.withLock({ burnGeneration == generation }) {
                    for _ in 0..<100_000 { x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
                }
                let last = faultCondition.withLock { () -> Bool in
                    burnSink ^= x  // the loop's result is used, so it is not optimized away
                    burningThreads -= 1
                    return burningThreads == 0
                }
                if last { log.info("fault", "CPU burn over") }
            }
        }
        return message
    }

    func corruptData(_ how: Fault.CorruptHow) throws(FaultError) -> String {
        guard let store else { throw FaultError(409, "no data file: this instance runs without --data") }
        guard let what = store.corrupt(how) else {
            throw FaultError(500, "cannot write \(store.path): \(String(cString: strerror(errno)))")
        }
        log.warn("fault", "fault injected: corrupt \(store.path): \(what)")
        if case .corrupt(let line, let reason) = store.verify() { reportCorruption(line: line, reason: reason) }
        return "corrupted \(store.path): \(what)"
    }

    func stopFaults(_ which: Fault.Reversible?) -> String {
        let freed = faultCondition.withLock { () -> Int in
            var freed = 0
            if which == nil || which == .leak {
                leakGeneration += 1
                leaking = false
                leakedBlocks.forEach { free($0) }
                leakedBlocks = []
                (freed, leakedMiB) = (leakedMiB, 0)
            }
            if which == nil || which == .burn { burnGeneration += 1 }
            if which == nil || which == .silence { silenceUntil = nil }
            return freed
        }
        let message = "stopped \(which?.rawValue ?? "leak, burn and silence")\(freed > 0 ? "; freed \(freed) MiB" : "")"
        log.info("fault", message)
        return message
    }

    func activeFaults() -> [String: Any] {
        faultCondition.withLock {
            ["leaking": leaking, "leaked_mib": leakedMiB, "burn_threads": burningThreads,
             "heartbeat_silenced": silenceUntil.map { monotonic() < $0 } ?? false]
        }
    }

    func faultsJSON() -> String {
        let faults: [[String: Any]] = Fault.catalogue.map {
            ["name": $0.name, "request": "POST /fault/\($0.name)", "parameters": $0.parameters + ", after=DURATION (0)",
             "signal": $0.signal ?? NSNull(), "does": $0.summary]
        }
        let object: [String: Any] = [
            "faults": faults, "active": activeFaults(),
            "at_start": "--fault 'NAME?PARAMS' (repeatable), --crash-after SECONDS",
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    func statusJSON() -> String {
        let (served, reason) = lock.withLock { (requests, failure) }
        let status: [String: Any] = [
            "name": options.name, "status": reason == nil ? "ok" : "failing", "reason": reason ?? NSNull(),
            "pid": Int(getpid()), "port": Int(options.port), "uptime_seconds": (uptime * 10).rounded() / 10,
            "requests": served, "records": store?.records ?? 0, "data": store?.path ?? NSNull(), "faults": activeFaults(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: status, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    // MARK: lifecycle

    func dumpState() {
        checkpoint()
        let (served, open, reason) = lock.withLock { (requests, connections, failure) }
        log.info("main", "state dump: uptime \(String(format: "%.1f", uptime))s, \(served) requests, \(open) open connections, "
            + "\(store?.records ?? 0) records, failure \(reason ?? "none")")
    }

    func shutdown(signal name: String) {
        checkpoint()  // a hung service does not honour SIGTERM: its supervisor must SIGKILL it
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
        for (fault, after) in options.faults {
            do throws(FaultError) {
                try inject(fault, after: after, origin: "--fault at start").then?()
            } catch {
                log.error("fault", "--fault \(fault.name) failed: \(error.message)")
            }
        }
        while true {
            usleep(100_000)
            checkpoint()
            let now = monotonic()
            if let notifier, now >= nextWatchdog, !heartbeatSilenced {
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
// SIGUSR2 crashes, on its own queue so that it works even while a hang blocks the others.
signal(SIGUSR2, SIG_IGN)
let crashSource = DispatchSource.makeSignalSource(signal: SIGUSR2, queue: DispatchQueue(label: "grace-demo.crash"))
crashSource.setEventHandler { service.crash(.abort, code: 1, cause: "SIGUSR2") }
crashSource.resume()
service.run()
