import Foundation

/// One kernel as `GET /v1/kernels` and `GET /v1/kernels/{name}` show it.
public struct KernelView: Codable, Sendable, Equatable {
    /// The latest metric sample.
    public struct Metrics: Codable, Sendable, Equatable {
        /// CPU time over the last sampling window in percent of one core (200 is two cores busy); never NaN.
        public var cpuPercent: Double
        /// Resident memory of the kernel's process, in bytes.
        public var rssBytes: Int64
        /// Open file descriptors of the process.
        public var openFDs: Int
        /// Threads of the process.
        public var threads: Int
        /// When the sample was taken (every `--metrics-interval` of `grace run`, 5 s by default).
        public var sampledAt: Date

        /// Makes a sample from its parts.
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
        /// CPU samples in percent of one core, oldest first.
        public var cpuPercent: [Double]
        /// Resident memory samples in bytes, oldest first (numbers, as the dashboard's sparklines take them).
        public var rssBytes: [Double]

        /// Makes a history from its series.
        public init(cpuPercent: [Double], rssBytes: [Double]) {
            self.cpuPercent = cpuPercent
            self.rssBytes = rssBytes
        }

        enum CodingKeys: String, CodingKey {
            case cpuPercent = "cpu_percent"
            case rssBytes = "rss_bytes"
        }
    }

    /// The kernel's name in the configuration.
    public var name: String
    /// stopped, starting, running, backing-off, stopping or gave-up.
    public var state: String
    /// The kernel's current process (also its process group); null when it has none.
    public var pid: Int32?
    /// When the current process was spawned; null when there is none.
    public var startedAt: Date?
    /// Seconds since `started_at`, to the millisecond; null when there is no process.
    public var uptimeSeconds: Double?
    /// Restarts since Grace started (or since a reload changed the kernel): by its policy and asked for (a playbook,
    /// the API, a reload).
    public var restarts: Int
    /// Whether it serves: ready, not paused, and its probe (if any) passing. null while it has no ready process
    /// (stopped, starting, stopping, backing off, given up): a stopped kernel is never called healthy.
    public var healthy: Bool?
    /// True while the process group is stopped with SIGSTOP (`pause`, `shed_load`).
    public var paused: Bool
    /// critical, standard or background.
    public var tier: String
    /// The latest sample; null when there is no process or none was taken yet.
    public var metrics: Metrics?
    /// Recent samples for sparklines (empty arrays before the first).
    public var history: History
    /// Its declared memory and CPU limits this host does not enforce (empty when they are, or when it declares none).
    public var unenforcedLimits: [UnenforcedLimitView]

    /// Makes a view from its parts; the server fills it from a `KernelStatus` and the metric history.
    public init(
        name: String, state: String, pid: Int32?, startedAt: Date?, uptimeSeconds: Double?, restarts: Int,
        healthy: Bool?, paused: Bool, tier: String, metrics: Metrics?, history: History,
        unenforcedLimits: [UnenforcedLimitView] = []
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
        self.unenforcedLimits = unenforcedLimits
    }

    enum CodingKeys: String, CodingKey {
        case name, state, pid, restarts, healthy, paused, tier, metrics, history
        case unenforcedLimits = "unenforced_limits"
        case startedAt = "started_at"
        case uptimeSeconds = "uptime_seconds"
    }

    /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
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
        try c.encode(unenforcedLimits, forKey: .unenforcedLimits)
    }
}

/// `GET /v1/kernels`.
public struct KernelsResponse: Codable, Sendable, Equatable {
    /// Every configured kernel, in the configuration's boot order.
    public var kernels: [KernelView]

    /// Wraps the views.
    public init(kernels: [KernelView]) {
        self.kernels = kernels
    }
}
