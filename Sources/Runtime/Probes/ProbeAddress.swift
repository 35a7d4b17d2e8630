import Glibc

/// One address a probe may connect to, copied out of getaddrinfo's list so that it can cross threads.
struct ProbeAddress: Sendable, Equatable {
    var family: Int32
    var socketType: Int32
    var socketProtocol: Int32
    /// The `sockaddr_in` or `sockaddr_in6`, as bytes.
    var bytes: [UInt8]

    /// The addresses of `host` (without brackets) and `port`, for TCP.
    ///
    /// Numeric addresses and `localhost` are worked out on the calling task at once: getaddrinfo with
    /// `AI_NUMERICHOST` never blocks, and `localhost` is the loopback by definition (RFC 6761), so the common
    /// probe of a local port needs no thread. Any other name is resolved with a blocking getaddrinfo on the
    /// reactor's small helper pool, given up on when the probe's deadline passes.
    static func resolve(
        _ host: String, port: Int, deadline: ProbeDeadline, reactor: IOReactor
    ) async -> Result<[ProbeAddress], ProbeFailure> {
        switch lookup(host, port: port, numericOnly: true) {
        case .success(let addresses):
            return .success(addresses)
        case .failure(let code) where code.rc == EAI_NONAME:
            break  // a name, not an address
        case .failure(let code):
            return .failure(failure(host, code))
        }
        if host.lowercased() == "localhost" {
            let loopback = ["127.0.0.1", "::1"].flatMap { (try? lookup($0, port: port, numericOnly: true).get()) ?? [] }
            return .success(loopback)
        }
        let answer = await reactor.runBlocking(until: deadline.end) { lookup(host, port: port, numericOnly: false) }
        switch answer {
        case nil: return .failure(ProbeFailure(deadline.timedOutReason))
        case .success(let addresses)?: return .success(addresses)
        case .failure(let code)?: return .failure(failure(host, code))
        }
    }

    /// getaddrinfo's error for a name, or EAI_SYSTEM's errno, as a probe failure.
    private static func failure(_ host: String, _ code: LookupError) -> ProbeFailure {
        let detail =
            code.rc == EAI_SYSTEM ? String(cString: strerror(code.errno)) : String(cString: gai_strerror(code.rc))
        return ProbeFailure("cannot resolve \(host): \(detail)")
    }

    /// getaddrinfo's return code, and errno for EAI_SYSTEM.
    struct LookupError: Error, Equatable {
        var rc: Int32
        var errno: Int32
    }

    private static func lookup(_ host: String, port: Int, numericOnly: Bool) -> Result<[ProbeAddress], LookupError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | (numericOnly ? AI_NUMERICHOST : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0 else { return .failure(LookupError(rc: rc, errno: Glibc.errno)) }
        defer { freeaddrinfo(list) }
        var addresses: [ProbeAddress] = []
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            guard let address = info.ai_addr else { continue }
            let bytes = [UInt8](UnsafeRawBufferPointer(start: address, count: Int(info.ai_addrlen)))
            addresses.append(
                ProbeAddress(
                    family: info.ai_family, socketType: info.ai_socktype, socketProtocol: info.ai_protocol,
                    bytes: bytes))
        }
        return .success(addresses)
    }
}
