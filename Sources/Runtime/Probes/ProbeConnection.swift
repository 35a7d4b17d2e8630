import Glibc

/// A TCP connection for one probe: resolved with getaddrinfo (IPv4 and IPv6), connected without blocking and
/// waited on with poll(2) against a deadline. Blocking-in-poll only: meant for a probe thread, never for the
/// cooperative pool. The descriptor is close-on-exec (the supervisor forks kernels) and is closed on every path:
/// by `close()` or, at the latest, when the connection is released.
final class ProbeConnection {
    private var fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        close()
    }

    func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    /// Connects to the first address of `host` that accepts. `host` may be a name, an IPv4 address or an IPv6
    /// address with or without brackets. Name resolution itself cannot be interrupted; the deadline is checked
    /// after it. The failure of the last address tried is the one reported.
    static func open(host: String, port: Int, deadline: ProbeDeadline) -> Result<ProbeConnection, ProbeFailure> {
        var name = host
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        guard !name.isEmpty else { return .failure(ProbeFailure("no host")) }
        guard (1...65535).contains(port) else { return .failure(ProbeFailure("port \(port) is out of range")) }

        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(name, String(port), &hints, &list)
        guard rc == 0 else {
            let detail = rc == EAI_SYSTEM ? String(cString: strerror(Glibc.errno)) : String(cString: gai_strerror(rc))
            return .failure(ProbeFailure("cannot resolve \(name): \(detail)"))
        }
        defer { freeaddrinfo(list) }
        if deadline.isExpired { return .failure(ProbeFailure(deadline.timedOutReason)) }

        var failure = ProbeFailure("cannot resolve \(name): no address")
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            switch attempt(info, deadline: deadline) {
            case .success(let fd):
                return .success(ProbeConnection(fd: fd))
            case .failure(let f):
                failure = f
                if deadline.isExpired { return .failure(ProbeFailure(deadline.timedOutReason)) }
            }
        }
        return .failure(failure)
    }

    private static func attempt(_ info: addrinfo, deadline: ProbeDeadline) -> Result<Int32, ProbeFailure> {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(info.ai_family, type, info.ai_protocol)
        guard fd >= 0 else { return .failure(.errno(Glibc.errno)) }
        if connect(fd, info.ai_addr, info.ai_addrlen) == 0 { return .success(fd) }
        let code = Glibc.errno
        guard code == EINPROGRESS || code == EINTR else {
            _ = Glibc.close(fd)
            return .failure(.errno(code))
        }
        switch wait(fd, for: Int16(POLLOUT), deadline: deadline) {
        case .failure(let f):
            _ = Glibc.close(fd)
            return .failure(f)
        case .success:
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = Glibc.errno }
            guard error == 0 else {
                _ = Glibc.close(fd)
                return .failure(.errno(error))
            }
            return .success(fd)
        }
    }

    /// Waits until `fd` is ready for `events` or the deadline passes.
    private static func wait(_ fd: Int32, for events: Int16, deadline: ProbeDeadline) -> Result<Void, ProbeFailure> {
        while true {
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let timeout = deadline.remainingMilliseconds
            if timeout == 0 { return .failure(ProbeFailure(deadline.timedOutReason)) }
            let n = poll(&entry, 1, timeout)
            if n > 0 { return .success(()) }
            if n < 0 && Glibc.errno != EINTR { return .failure(.errno(Glibc.errno)) }
        }
    }

    /// Sends all of `bytes` (never raising SIGPIPE).
    func send(_ bytes: [UInt8], deadline: ProbeDeadline) -> Result<Void, ProbeFailure> {
        guard fd >= 0 else { return .failure(ProbeFailure("connection closed")) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                sent += n
                continue
            }
            let code = Glibc.errno
            if n < 0 && (code == EAGAIN || code == EWOULDBLOCK || code == EINTR) {
                if case .failure(let f) = Self.wait(fd, for: Int16(POLLOUT), deadline: deadline) { return .failure(f) }
                continue
            }
            return .failure(.errno(code))
        }
        return .success(())
    }

    /// Reads until the first CRLF (or LF), end of stream or `limit` bytes; returns the line without its end.
    /// nil when the peer closed without sending anything.
    func readLine(limit: Int, deadline: ProbeDeadline) -> Result<[UInt8]?, ProbeFailure> {
        guard fd >= 0 else { return .failure(ProbeFailure("connection closed")) }
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while line.count < limit {
            if let end = line.firstIndex(of: UInt8(ascii: "\n")) {
                var text = Array(line[..<end])
                if text.last == UInt8(ascii: "\r") { text.removeLast() }
                return .success(text)
            }
            let n = chunk.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress!, min(raw.count, limit - line.count), 0)
            }
            if n > 0 {
                line.append(contentsOf: chunk[..<n])
                continue
            }
            if n == 0 { return .success(line.isEmpty ? nil : line) }
            let code = Glibc.errno
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR {
                if case .failure(let f) = Self.wait(fd, for: Int16(POLLIN), deadline: deadline) { return .failure(f) }
                continue
            }
            return .failure(.errno(code))
        }
        return .success(line)
    }
}
