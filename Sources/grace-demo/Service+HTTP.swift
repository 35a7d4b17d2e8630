import Foundation
import Glibc
import Logging

/// Six hex digits that tie a request's log line to the request; random, so not unique.
func requestID() -> String { String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF)) }

// HTTP/1.1 over plain sockets: one thread per connection, one request per connection, bodies of at most 8 KiB.

extension Service {
    /// Binds 127.0.0.1:PORT; exits 1 if it cannot.
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

    /// Accepts connections on its own thread and hands each to a new thread; past 64 open ones, the answer is 503.
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

    /// Reads one request (5 s timeout), answers it, closes the connection and logs the outcome.
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

        var response: HTTPResponse
        if busy {
            response = HTTPResponse(status: 503, body: "busy\n")
        } else if headEnd == nil {
            response = HTTPResponse(status: request.count > 8192 ? 431 : timedOut ? 408 : 400, body: "bad request\n")
        } else if parts.count != 3 || !parts[2].hasPrefix("HTTP/1.") || !path.hasPrefix("/") {
            response = HTTPResponse(status: 400, body: "bad request\n")
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
                response = HTTPResponse(status: 400, body: "bad request\n")
            } else if contentLength > 8192 {
                response = HTTPResponse(status: 413, body: "body too large\n")
            } else {
                while request.count - bodyStart < contentLength && receive() {}
                if request.count - bodyStart < contentLength {
                    response = HTTPResponse(status: timedOut ? 408 : 400, body: "incomplete body\n")
                } else {
                    hangGate.checkpoint()  // a hung service answers nothing
                    let delay = answerDelay
                    if delay > 0 { usleep(useconds_t(delay * 1e6)) }
                    response = route(
                        method: method, path: path, query: query,
                        body: request[bodyStart..<(bodyStart + contentLength)],
                        contentType: contentType, from: from)
                }
            }
        }
        let status = response.status
        writeAll(client, response.bytes(forMethod: method))
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
}
