/// Healthy when a TCP connection to `host:port` is accepted within the timeout; the connection is closed
/// at once without sending anything.
public struct TCPProbe: HealthProbe {
    /// The host to connect to: a name, an IPv4 or an IPv6 address.
    public let host: String
    /// The port (1-65535).
    public let port: Int
    /// Where the connect is waited for: no thread per probe.
    public let reactor: IOReactor

    /// `host` may be a name, an IPv4 address or an IPv6 address (brackets optional).
    public init(host: String, port: Int, reactor: IOReactor) {
        self.host = host
        self.port = port
        self.reactor = reactor
    }

    /// Runs on the reactor thread (see ``IOReactor``), which also waits for the connect.
    public func check(timeout: Duration) async -> ProbeResult {
        await withTaskExecutorPreference(reactor.executor) {
            let deadline = ProbeDeadline(timeout: timeout)
            switch await ProbeConnection.open(host: host, port: port, deadline: deadline, reactor: reactor) {
            case .success(let connection):
                connection.close()
                return .healthy
            case .failure(let failure):
                return .unhealthy(failure.reason)
            }
        }
    }
}
