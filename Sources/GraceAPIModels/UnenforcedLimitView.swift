import Foundation

/// A resource limit a kernel declares that this host does not enforce (`GET /v1/status`, `GET /v1/kernels`).
public struct UnenforcedLimitView: Codable, Sendable, Equatable {
    /// The kernel that declares it.
    public var kernel: String
    /// `memory` or `cpu`.
    public var limit: String
    /// As declared: `256MiB`, `50%`.
    public var value: String
    /// Why it is not enforced (no delegated cgroup v2, or its cgroup could not be set up).
    public var reason: String

    /// Makes a view from its parts.
    public init(kernel: String, limit: String, value: String, reason: String) {
        self.kernel = kernel
        self.limit = limit
        self.value = value
        self.reason = reason
    }
}
