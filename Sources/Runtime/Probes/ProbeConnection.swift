import Glibc

/// A TCP connection for one probe: resolved (see ``ProbeAddress``), connected without blocking, and waited on
/// through the ``IOReactor`` against a deadline, so that a probe holds no thread while it waits, neither one
/// of its own nor one of the cooperative pool. The descriptor is close-on-exec (the supervisor forks kernels)
/// and is closed on every path: by `close()` or, at the latest, when the connection is released.
final class ProbeConnection {
    private var fd: Int32
    private let reactor: IOReactor

    private init(fd: Int32, reactor: IOReactor) {
        self.fd = fd
        self.reactor = reactor
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
    /// address with or without brackets. The failure of the last address tried is the one reported.
    static func open(
        host: String, port: Int, deadline: ProbeDeadline, reactor: IOReactor
    ) async -> Result<ProbeConnection, ProbeFailure> {
        var name = host
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        guard !name.isEmpty else { return .failure(ProbeFailure("no host")) }
        guard (1...65535).contains(port) else { return .failure(ProbeFailure("port \(port) is out of range")) }

        let addresses: [ProbeAddress]
        switch await ProbeAddress.resolve(name, port: port, deadline: deadline, reactor: reactor) {
        case .failure(let failure): return .failure(failure)
        case .success(let list): addresses = list
        }
        if deadline.isExpired { return .failure(ProbeFailure(deadline.timedOutReason)) }

        var failure = ProbeFailure("cannot resolve \(name): no address")
        for address in addresses {
            switch await attempt(address, deadline: deadline, reactor: reactor) {
            case .success(let fd):
                return .success(ProbeConnection(fd: fd, reactor: reactor))
            case .failure(let f):
                failure = f
                if deadline.isExpired { return .failure(ProbeFailure(deadline.timedOutReason)) }
            }
        }
        return .failure(failure)
    }

    private static func attempt(
        _ address: ProbeAddress, deadline: ProbeDeadline, reactor: IOReactor
    ) async -> Result<Int32, ProbeFailure> {
        let type = address.socketType | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(address.family, type, address.socketProtocol)
        guard fd >= 0 else { return .failure(.errno(Glibc.errno)) }
        let connected = address.bytes.withUnsafeBytes { raw in
            connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if connected == 0 { return .success(fd) }
        let code = Glibc.errno
        guard code == EINPROGRESS || code == EINTR else {
            _ = Glibc.close(fd)
            return .failure(.errno(code))
        }
        if case .failure(let f) = await ready(.writable, fd, deadline, reactor) {
            _ = Glibc.close(fd)
            return .failure(f)
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = Glibc.errno }
        guard error == 0 else {
            _ = Glibc.close(fd)
            return .failure(.errno(error))
        }
        return .success(fd)
    }

    /// Waits on the reactor until `fd` is ready for `interest`; the outcome phrased as a probe's.
    private static func ready(
        _ interest: IOEvents, _ fd: Int32, _ deadline: ProbeDeadline, _ reactor: IOReactor
    ) async -> Result<Void, ProbeFailure> {
        let result =
            interest == .writable
            ? await reactor.writable(fd, until: deadline.end) : await reactor.readable(fd, until: deadline.end)
        switch result {
        case .ready: return .success(())
        case .timedOut: return .failure(ProbeFailure(deadline.timedOutReason))
        case .cancelled: return .failure(ProbeFailure("cancelled"))
        case .failed(let code): return .failure(.errno(code))
        }
    }

    /// Sends all of `bytes` (never raising SIGPIPE).
    func send(_ bytes: [UInt8], deadline: ProbeDeadline) async -> Result<Void, ProbeFailure> {
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
                if code != EINTR, case .failure(let f) = await Self.ready(.writable, fd, deadline, reactor) {
                    return .failure(f)
                }
                continue
            }
            return .failure(.errno(code))
        }
        return .success(())
    }

    /// Reads until the first CRLF (or LF), end of stream or `limit` bytes; returns the line without its end.
    /// nil when the peer closed without sending anything.
    func readLine(limit: Int, deadline: ProbeDeadline) async -> Result<[UInt8]?, ProbeFailure> {
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
                if code != EINTR, case .failure(let f) = await Self.ready(.readable, fd, deadline, reactor) {
                    return .failure(f)
                }
                continue
            }
            return .failure(.errno(code))
        }
        return .success(line)
    }
}
