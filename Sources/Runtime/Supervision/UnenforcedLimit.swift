import GraceDSL

/// A resource limit a kernel declares that this host does not enforce: `limits.memory` and `limits.cpu` need a
/// cgroup v2 group Grace may create (`nofile` and `nproc` are set with setrlimit(2) and always hold).
public struct UnenforcedLimit: Sendable, Equatable, Hashable {
    /// The kernel that declares it.
    public var kernel: String
    /// `memory` or `cpu`.
    public var limit: String
    /// As declared: `256MiB`, `50%`.
    public var value: String
    /// Why it is not enforced.
    public var reason: String

    /// Makes one from its parts.
    public init(kernel: String, limit: String, value: String, reason: String) {
        self.kernel = kernel
        self.limit = limit
        self.value = value
        self.reason = reason
    }

    /// The memory and CPU limits `kernel` declares, each as unenforced for `reason`.
    static func all(of kernel: Kernel, reason: String) -> [UnenforcedLimit] {
        let name = kernel.header.name.value
        var limits: [UnenforcedLimit] = []
        if let memory = kernel.limits.memory {
            limits.append(.init(kernel: name, limit: "memory", value: memory.description, reason: reason))
        }
        if let cpu = kernel.limits.cpu {
            limits.append(.init(kernel: name, limit: "cpu", value: cpu.description, reason: reason))
        }
        return limits
    }
}
