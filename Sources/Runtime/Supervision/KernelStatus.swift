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
    /// Restarts by policy since this Grace started supervising it (a reload that changes the kernel starts over).
    public var restarts: Int
    /// The probe's last verdict; nil before the first (or without a probe).
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

    /// Makes a status from its parts; the supervisor fills one per kernel.
    public init(
        name: String, phase: KernelPhase, pid: Int32? = nil, restarts: Int = 0, healthy: Bool? = nil,
        metrics: KernelMetrics? = nil, tier: Kernel.Tier = .standard, paused: Bool = false, startedAt: Date? = nil,
        isHealthy: Bool = false
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
    }
}
