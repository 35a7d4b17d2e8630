/// Healthy when `GET url` answers with a 2xx status, or exactly `expectStatus` when one is given.
///
/// A minimal HTTP/1.1 client over a plain socket: one request with `Connection: close`, only the status line is
/// read, then the connection is closed. Redirects are not followed (a 301 is a 301). Plain `http://` only: an
/// `https://` URL is always unhealthy with a reason saying so (`isSupported(url:)` lets `grace run` refuse such a
/// graph up front).
public struct HTTPProbe: HealthProbe {
    /// The `http://` URL to GET.
    public let url: String
    /// The status that counts as healthy; nil: any 2xx.
    public let expectStatus: Int?
    /// Where the socket is waited on: no thread per probe.
    public let reactor: IOReactor

    /// A probe of `url` whose socket waits on `reactor`.
    public init(url: String, expectStatus: Int?, reactor: IOReactor) {
        self.url = url
        self.expectStatus = expectStatus
        self.reactor = reactor
    }

    /// Whether this build can probe `url`: a well-formed `http://` URL.
    public static func isSupported(url: String) -> Bool {
        ProbeURL(url)?.scheme == "http"
    }

    /// One GET within `timeout`: healthy on the expected status, else why not (refused, timed out, HTTP 503).
    public func check(timeout: Duration) async -> ProbeResult {
        guard let target = ProbeURL(url) else { return .unhealthy("invalid URL \(url)") }
        guard target.scheme == "http" else { return .unhealthy("\(target.scheme):// probes are not supported") }
        // On the reactor thread (see ``IOReactor``), which also waits for the socket.
        return await withTaskExecutorPreference(reactor.executor) {
            let deadline = ProbeDeadline(timeout: timeout)
            switch await Self.fetchStatus(of: target, deadline: deadline, reactor: reactor) {
            case .failure(let failure):
                return .unhealthy(failure.reason)
            case .success(let status):
                if let expect = expectStatus {
                    return status == expect ? .healthy : .unhealthy("HTTP \(status), expected \(expect)")
                }
                return (200...299).contains(status) ? .healthy : .unhealthy("HTTP \(status)")
            }
        }
    }

    /// Connects, sends the request and parses the status line, waiting on the reactor.
    static func fetchStatus(
        of url: ProbeURL, deadline: ProbeDeadline, reactor: IOReactor
    ) async -> Result<Int, ProbeFailure> {
        let connection: ProbeConnection
        switch await ProbeConnection.open(host: url.host, port: url.port, deadline: deadline, reactor: reactor) {
        case .failure(let f): return .failure(f)
        case .success(let c): connection = c
        }
        defer { connection.close() }
        let request =
            "GET \(url.target) HTTP/1.1\r\nHost: \(url.hostHeader)\r\nConnection: close\r\n"
            + "User-Agent: grace-probe\r\nAccept: */*\r\n\r\n"
        if case .failure(let f) = await connection.send(Array(request.utf8), deadline: deadline) { return .failure(f) }
        switch await connection.readLine(limit: 1024, deadline: deadline) {
        case .failure(let f):
            return .failure(f)
        case .success(nil):
            return .failure(ProbeFailure("connection closed without a response"))
        case .success(let line?):
            guard let status = parseStatusLine(line) else {
                return .failure(ProbeFailure("not an HTTP response"))
            }
            return .success(status)
        }
    }

    /// `HTTP/1.1 503 Service Unavailable` -> 503.
    static func parseStatusLine(_ line: [UInt8]) -> Int? {
        let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].starts(with: Array("HTTP/".utf8)), parts[1].count == 3,
            parts[1].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return parts[1].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
