/// Healthy when a TCP connection to `host:port` is accepted within the timeout; the connection is closed
/// at once without sending anything.
public struct TCPProbe: HealthProbe {
    public let host: String
    public let port: Int

    /// `host` may be a name, an IPv4 address or an IPv6 address (brackets optional).
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public func check(timeout: Duration) async -> ProbeResult {
        let host = host
        let port = port
        return await ProbeThread.run {
            switch ProbeConnection.open(host: host, port: port, deadline: ProbeDeadline(timeout: timeout)) {
            case .success(let connection):
                connection.close()
                return .healthy
            case .failure(let failure):
                return .unhealthy(failure.reason)
            }
        }
    }
}
