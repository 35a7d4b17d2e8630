import Foundation
import GraceDSL

/// What one kernel looks like from outside: `grace kernels`, the API, the dashboard.
public struct KernelStatus: Sendable, Equatable {
    public var name: String
    public var phase: KernelPhase
    public var pid: Int32?
    public var restarts: Int
    /// The probe's last verdict; nil before the first (or without a probe).
    public var healthy: Bool?
    public var metrics: KernelMetrics?
    public var tier: Kernel.Tier = .standard
    public var paused = false
    /// When the current process was spawned (nil when there is none).
    public var startedAt: Date?
    /// What `Supervisor.isHealthy(_:)` says: ready, not paused, and its probe (if any) passing.
    public var isHealthy = false

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
