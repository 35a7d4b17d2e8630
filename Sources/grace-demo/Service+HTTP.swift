import Foundation
import Glibc
import Logging

func requestID() -> String { String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF)) }

extension Service {
    func listen() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = options.port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard fd >= 0, bound == 0, Glibc.listen(fd, 128) == 0 else {
            log.http.error("cannot listen on 127.0.0.1:\(options.port): \(String(cString: strerror(errno)))")
            exit(1)
        }
        state.withLock { $0.listener = fd }
        log.http.info("listening on 127.0.0.1:\(options.port)")
    }

    func acceptLoop() {
        let fd = state.withLock { $0.listener }
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
                    log.http.error("accept failed: too many open files, backing off 100ms")
                    usleep(100_000)
                    continue
                default:
                    if state.withLock({ $0.stopping }) { return }
                    log.http.error("accept failed: \(String(cString: strerror(errno)))")
                    usleep(100_000)
                    continue
                }
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            hangGate.checkpoint()
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            inet_ntop(AF_INET, &peer.sin_addr, &text, socklen_t(text.count))
            let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let from = "\(address):\(UInt16(bigEndian: peer.sin_port))"
            let busy = state.withLock { state in
                state.connections += 1
                return state.connections > 64
            }
            Thread.detachNewThread { [self] in
                handle(client, from: from, busy: busy)
                state.withLock { $0.connections -= 1 }
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
        let firstLine = String(
            decoding: request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
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
                    hangGate.checkpoint()  // a hung service answers nothing
                    response = route(
                        method: method, path: path, query: query,
                        body: request[bodyStart..<(bodyStart + contentLength)],
                        contentType: contentType, from: from)
                }
            }
        }
        let reasons = [
            200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            408: "Request Timeout", 409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type",
            431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable",
        ]
        let status = response.status
        var head = "HTTP/1.1 \(status) \(reasons[status] ?? "Error")\r\nServer: grace-demo\r\n"
        head += "Content-Type: \(response.contentType)\r\nContent-Length: \(response.body.utf8.count)\r\n"
        head += "Connection: close\r\n\(response.allow.map { "Allow: \($0)\r\n" } ?? "")\r\n"
        writeAll(client, Array((method == "HEAD" ? head : head + response.body).utf8))
        close(client)

        state.withLock { $0.requests += 1 }
        let took = String(format: "%.2f", (monotonic() - start) * 1000)
        if status < 400 || status == 404 || (status == 503 && !busy) {
            log.http.info("served \(method) \(path) \(status) in \(took)ms from \(from) req \(id)")
        } else {
            log.http.warning("rejected request from \(from) with \(status) after \(took)ms req \(id)")
        }
        response.then?()
    }

    func route(
        method: String, path: String, query: Substring, body: ArraySlice<UInt8>, contentType: String, from: String
    ) -> Response {
        let readOnly = method == "GET" || method == "HEAD"
        switch path {
        case "/healthz", "/", "/fault", "/fault/":
            guard readOnly else { return Response(status: 405, body: "method not allowed\n", allow: "GET, HEAD") }
            if path == "/healthz" {
                let reason = failureReason
                return Response(status: reason == nil ? 200 : 503, body: reason.map { "failing: \($0)\n" } ?? "ok\n")
            }
            return Response(
                status: 200, body: path == "/" ? statusJSON() : faultsJSON(), contentType: "application/json")
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

    func faultsJSON() -> String {
        let faults: [[String: Any]] = Fault.catalogue.map {
            [
                "name": $0.name, "request": "POST /fault/\($0.name)",
                "parameters": $0.parameters + ", after=DURATION (0)",
                "signal": $0.signal ?? NSNull(), "does": $0.summary,
            ]
        }
        let object: [String: Any] = [
            "faults": faults, "active": activeFaults(),
            "at_start": "--fault 'NAME?PARAMS' (repeatable), --crash-after SECONDS",
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    func statusJSON() -> String {
        let (served, reason) = state.withLock { ($0.requests, $0.failure) }
        let status: [String: Any] = [
            "name": options.name, "status": reason == nil ? "ok" : "failing", "reason": reason ?? NSNull(),
            "pid": Int(getpid()), "port": Int(options.port), "uptime_seconds": (uptime * 10).rounded() / 10,
            "requests": served, "records": store?.records ?? 0, "data": store?.path ?? NSNull(),
            "faults": activeFaults(),
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: status, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
