import Foundation
import Glibc

// --depends-on NAME=URL: the service checks what it depends on every second and says so when it is down, the way
// a client library logs a lost connection. Its own /healthz stays as it is: restarting this service would not
// bring its dependency back.

extension Service {
    /// One dependency check loop per --depends-on, each on a thread of its own.
    func startDependencyChecks() {
        for dependency in options.dependencies {
            Thread.detachNewThread { [self] in watch(dependency) }
        }
    }

    /// Three failed checks in a row (a dependency down for seconds, not one restarting after a crash) make an
    /// outage: an ERROR line, repeated every 15 s while it lasts. The first passing check ends it (an INFO line).
    private func watch(_ dependency: Dependency) {
        var failures = 0
        var downSince: Double?
        var lastReport = 0.0
        while true {
            Thread.sleep(forTimeInterval: 1)
            hangGate.checkpoint()
            if let problem = Self.check(dependency, timeout: 0.5) {
                failures += 1
                let now = monotonic()
                guard failures >= 3 else { continue }
                if downSince == nil { downSince = now - 2 }
                if now - lastReport >= 15 {
                    lastReport = now
                    let message =
                        "dependency \(dependency.name) at \(dependency.url) is down: \(problem) "
                        + "(\(failures) checks failed)"
                    log.deps.error("\(message)")
                }
            } else {
                if let since = downSince {
                    let outage = String(format: "%.1f", monotonic() - since)
                    log.deps.info("dependency \(dependency.name) is back after \(outage)s")
                }
                failures = 0
                downSince = nil
                lastReport = 0
            }
        }
    }

    /// `GET path` over a fresh connection; nil when it answers 2xx within `timeout`, else why not.
    static func check(_ dependency: Dependency, timeout: Double) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = dependency.port.bigEndian
        address.sin_addr.s_addr = inet_addr(dependency.host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            return errno == EINPROGRESS || errno == EAGAIN ? "connect timed out" : String(cString: strerror(errno))
        }
        let request = "GET \(dependency.path) HTTP/1.1\r\nHost: \(dependency.host)\r\nConnection: close\r\n\r\n"
        guard writeAll(fd, Array(request.utf8)) else { return "request not sent: \(String(cString: strerror(errno)))" }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else {
            return count == 0
                ? "connection closed"
                : errno == EAGAIN ? "no answer within \(describe(timeout))" : String(cString: strerror(errno))
        }
        let status = String(decoding: buffer[0..<count], as: UTF8.self).split(separator: " ").dropFirst().first
        guard let status, status.hasPrefix("2") else { return "answered HTTP \(status ?? "?")" }
        return nil
    }
}

/// A service this one depends on (`--depends-on NAME=http://HOST:PORT/PATH`; numeric IPv4 hosts only).
struct Dependency: Sendable {
    var name: String
    /// As given, for log lines.
    var url: String
    var host: String
    var port: UInt16
    var path: String

    /// Parses `NAME=http://HOST:PORT/PATH`; nil when it is not that.
    init?(_ text: String) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, let url = URLComponents(string: parts[1]), url.scheme == "http",
            let host = url.host, inet_addr(host) != INADDR_NONE, let port = url.port, (1...65535).contains(port)
        else { return nil }
        name = parts[0]
        self.url = parts[1]
        self.host = host
        self.port = UInt16(port)
        path = url.path.isEmpty ? "/" : url.path
    }
}
