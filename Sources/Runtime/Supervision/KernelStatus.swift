import Foundation
import GraceDSL

/// What one kernel looks like from outside: `grace kernels`, the API, the dashboard.
public struct KernelStatus: Sendable, Equatable {
    /// The kernel's name in the configuration.
    public var name: String
    /// Where the kernel is in its life.
    public var phase: KernelPhase
    /// Its process (and process group); nil when it has none.
    public var pid: Int32?
    /// Restarts since this Grace started supervising it, by its policy and asked for (a playbook, the API); a
    /// reload that changes the kernel starts over.
    public var restarts: Int
    /// Whether the kernel serves: ready, not paused, and its probe (if any) passing. nil while it has no ready
    /// process (stopped, starting, backing off, given up, stopping): a stopped service is never called healthy.
    public var healthy: Bool?
    /// The latest sample of its process; nil when there is no process or no sample yet.
    public var metrics: KernelMetrics?
    /// Its load tier, which `shed_load` goes by.
    public var tier: Kernel.Tier = .standard
    /// True while its process group is stopped with SIGSTOP.
    public var paused = false
    /// When the current process was spawned (nil when there is none).
    public var startedAt: Date?
    /// What `Supervisor.isHealthy(_:)` says: ready, not paused, and its probe (if any) passing.
    public var isHealthy = false
    /// Its declared memory and CPU limits that this host does not enforce (empty once it is placed in its cgroup,
    /// and before its first start).
    public var unenforcedLimits: [UnenforcedLimit] = []

    /// Makes a status from its parts; the supervisor fills one per kernel.
    public init(
        name: String, phase: KernelPhase, pid: Int32? = nil, restarts: Int = 0, healthy: Bool? = nil,
        metrics: KernelMetrics? = nil, tier: Kernel.Tier = .standard, paused: Bool = false, startedAt: Date? = nil,
        isHealthy: Bool = false, unenforcedLimits: [UnenforcedLimit] = []
    ) {
        self.name = name
        self.phase = phase
        self.pid = pid
        self.restarts = restarts
        self.healthy = healthy
        self.metrics = metrics
        self.tier = tier
        self.paused = paused
        self.startedAt = startedAt
        self.isHealthy = isHealthy
        self.unenforcedLimits = unenforcedLimits
    }
}
