/// What one health check found.
///
/// The reason of an unhealthy result is a short phrase for logs and events ("connection refused", "HTTP 503",
/// "timed out after 1s", "exit status 2").
public enum ProbeResult: Sendable, Equatable {
    /// The check passed.
    case healthy
    /// The check failed, for the reason given.
    case unhealthy(String)

    /// Whether the check passed.
    public var isHealthy: Bool {
        if case .healthy = self { return true }
        return false
    }
}
