import Foundation

/// One kernel as `GET /v1/kernels` and `GET /v1/kernels/{name}` show it.
public struct KernelView: Codable, Sendable, Equatable {
    /// The latest metric sample.
    public struct Metrics: Codable, Sendable, Equatable {
        public var cpuPercent: Double
        public var rssBytes: Int64
        public var openFDs: Int
        public var threads: Int
        public var sampledAt: Date

        public init(cpuPercent: Double, rssBytes: Int64, openFDs: Int, threads: Int, sampledAt: Date) {
            self.cpuPercent = cpuPercent
            self.rssBytes = rssBytes
            self.openFDs = openFDs
            self.threads = threads
            self.sampledAt = sampledAt
        }

        enum CodingKeys: String, CodingKey {
            case threads
            case cpuPercent = "cpu_percent"
            case rssBytes = "rss_bytes"
            case openFDs = "open_fds"
            case sampledAt = "sampled_at"
        }
    }

    /// The last (up to 60) samples, oldest first.
    public struct History: Codable, Sendable, Equatable {
        public var cpuPercent: [Double]
        public var rssBytes: [Double]

        public init(cpuPercent: [Double], rssBytes: [Double]) {
            self.cpuPercent = cpuPercent
            self.rssBytes = rssBytes
        }

        enum CodingKeys: String, CodingKey {
            case cpuPercent = "cpu_percent"
            case rssBytes = "rss_bytes"
        }
    }

    public var name: String
    /// stopped, starting, running, backing-off, stopping or gave-up.
    public var state: String
    public var pid: Int32?
    public var startedAt: Date?
    public var uptimeSeconds: Double?
    public var restarts: Int
    /// The probe's last verdict; nil before the first, or without a probe.
    public var healthy: Bool?
    public var paused: Bool
    /// critical, standard or background.
    public var tier: String
    public var metrics: Metrics?
    public var history: History

    public init(
        name: String, state: String, pid: Int32?, startedAt: Date?, uptimeSeconds: Double?, restarts: Int,
        healthy: Bool?, paused: Bool, tier: String, metrics: Metrics?, history: History
    ) {
        self.name = name
        self.state = state
        self.pid = pid
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.restarts = restarts
        self.healthy = healthy
        self.paused = paused
        self.tier = tier
        self.metrics = metrics
        self.history = history
    }

    enum CodingKeys: String, CodingKey {
        case name, state, pid, restarts, healthy, paused, tier, metrics, history
        case startedAt = "started_at"
        case uptimeSeconds = "uptime_seconds"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(state, forKey: .state)
        try c.encode(pid, forKey: .pid)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(uptimeSeconds, forKey: .uptimeSeconds)
        try c.encode(restarts, forKey: .restarts)
        try c.encode(healthy, forKey: .healthy)
        try c.encode(paused, forKey: .paused)
        try c.encode(tier, forKey: .tier)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(history, forKey: .history)
    }
}

/// `GET /v1/kernels`.
public struct KernelsResponse: Codable, Sendable, Equatable {
    public var kernels: [KernelView]

    public init(kernels: [KernelView]) {
        self.kernels = kernels
    }
}
