import Foundation

/// One plain-HTTP request (playbook `http` steps, notify webhooks), over the probes' socket code and waiting on
/// the reactor: returns the status code. No TLS in this build; `https://` is refused with a clear error.
enum HTTPRequest {
    static func send(
        method: String, url: String, body: String?, headers: [String: String], timeout: Duration,
        reactor: IOReactor
    ) async -> Result<Int, ActionError> {
        guard let target = ProbeURL(url) else { return .failure(ActionError("invalid URL \(url)")) }
        guard target.scheme == "http" else { return .failure(ActionError("\(target.scheme):// is not supported")) }
        // On the reactor thread, as the probes (see ``IOReactor``).
        return await withTaskExecutorPreference(reactor.executor) {
            await exchange(
                method: method, target: target, body: body, headers: headers, timeout: timeout, reactor: reactor)
        }
    }

    private static func exchange(
        method: String, target: ProbeURL, body: String?, headers: [String: String], timeout: Duration,
        reactor: IOReactor
    ) async -> Result<Int, ActionError> {
        let deadline = ProbeDeadline(timeout: timeout)
        let connection: ProbeConnection
        switch await ProbeConnection.open(host: target.host, port: target.port, deadline: deadline, reactor: reactor) {
        case .failure(let f): return .failure(ActionError(f.reason))
        case .success(let c): connection = c
        }
        defer { connection.close() }
        let payload = Array((body ?? "").utf8)
        var request =
            "\(method) \(target.target) HTTP/1.1\r\nHost: \(target.hostHeader)\r\nConnection: close\r\n"
            + "User-Agent: grace\r\nContent-Length: \(payload.count)\r\n"
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) where !k.contains("\r") && !v.contains("\r") {
            request += "\(k): \(v)\r\n"
        }
        if body != nil && headers.keys.contains(where: { $0.lowercased() == "content-type" }) == false {
            request += "Content-Type: application/json\r\n"
        }
        request += "\r\n"
        if case .failure(let f) = await connection.send(Array(request.utf8) + payload, deadline: deadline) {
            return .failure(ActionError(f.reason))
        }
        switch await connection.readLine(limit: 1024, deadline: deadline) {
        case .failure(let f): return .failure(ActionError(f.reason))
        case .success(nil): return .failure(ActionError("connection closed without a response"))
        case .success(let line?):
            guard let status = HTTPProbe.parseStatusLine(line) else {
                return .failure(ActionError("not an HTTP response"))
            }
            return .success(status)
        }
    }
}

/// Why a runtime action failed.
struct ActionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
