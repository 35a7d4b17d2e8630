import Foundation

/// `GET /v1/status`: this Grace at a glance.
public struct StatusResponse: Codable, Sendable, Equatable {
    /// How many kernels are in which state.
    public struct Kernels: Codable, Sendable, Equatable {
        /// Kernels under supervision.
        public var total: Int
        /// Kernels with a process, whatever its state (starting, paused and stopping ones too).
        public var running: Int
        /// Kernels ready, not paused and passing their probe (if they have one).
        public var healthy: Int
        /// Backing off or given up.
        public var failed: Int

        /// Makes counts from their parts.
        public init(total: Int, running: Int, healthy: Int, failed: Int) {
            self.total = total
            self.running = running
            self.healthy = healthy
            self.failed = failed
        }
    }

    /// How far the journal goes.
    public struct Journal: Codable, Sendable, Equatable {
        /// Entries in the journal; the same as `last_id`, since ids count from 1 and entries are never deleted.
        public var entries: Int64
        /// The newest entry's id (0 when empty): where `GET /v1/events?after=` catches up from.
        public var lastID: Int64
        /// False while the journal cannot be written: Grace is degraded (see `degraded`).
        public var writable: Bool
        /// Events waiting to be written while it cannot be (0 otherwise).
        public var pending: Int

        /// Makes the figures from their parts.
        public init(entries: Int64, lastID: Int64, writable: Bool = true, pending: Int = 0) {
            self.entries = entries
            self.lastID = lastID
            self.writable = writable
            self.pending = pending
        }

        enum CodingKeys: String, CodingKey {
            case entries, writable, pending
            case lastID = "last_id"
        }
    }

    /// Grace's version (`grace --version`).
    public var version: String
    /// This Grace's process id (what a drill that kills or freezes an instance signals).
    public var pid: Int32
    /// The grace document's `instance` name; null when it has none.
    public var instance: String?
    /// This instance's role in its fleet, as `GET /v1/role` gives it.
    public var role: Role
    /// When this Grace started.
    public var startedAt: Date
    /// Seconds since `started_at`, to the millisecond.
    public var uptimeSeconds: Double
    /// The running graph's content hash (SHA-256, hex): the same for the same documents, whatever their files,
    /// order, formatting or comments.
    public var configurationHash: String
    /// Kernel counts by state.
    public var kernels: Kernels
    /// The journal's size.
    public var journal: Journal
    /// The dashboard's URL, as `grace run` printed it.
    public var dashboard: String
    /// True while the journal cannot be written: kernels are still restarted (their events are written once it
    /// can be), but no playbook runs and the API refuses writes (503).
    public var degraded: Bool
    /// Memory and CPU limits kernels declare that this host does not enforce.
    public var unenforcedLimits: [UnenforcedLimitView]

    /// Makes a status from its parts; the server fills it from the supervisor and live state.
    public init(
        version: String, pid: Int32, instance: String?, role: Role, startedAt: Date, uptimeSeconds: Double,
        configurationHash: String, kernels: Kernels, journal: Journal, dashboard: String, degraded: Bool = false,
        unenforcedLimits: [UnenforcedLimitView] = []
    ) {
        self.version = version
        self.pid = pid
        self.instance = instance
        self.role = role
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.configurationHash = configurationHash
        self.kernels = kernels
        self.journal = journal
        self.dashboard = dashboard
        self.degraded = degraded
        self.unenforcedLimits = unenforcedLimits
    }

    enum CodingKeys: String, CodingKey {
        case version, pid, instance, role, kernels, journal, dashboard, degraded
        case unenforcedLimits = "unenforced_limits"
        case startedAt = "started_at"
        case uptimeSeconds = "uptime_seconds"
        case configurationHash = "configuration_hash"
    }

    /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(pid, forKey: .pid)
        try c.encode(instance, forKey: .instance)
        try c.encode(role, forKey: .role)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(uptimeSeconds, forKey: .uptimeSeconds)
        try c.encode(configurationHash, forKey: .configurationHash)
        try c.encode(kernels, forKey: .kernels)
        try c.encode(journal, forKey: .journal)
        try c.encode(dashboard, forKey: .dashboard)
        try c.encode(degraded, forKey: .degraded)
        try c.encode(unenforcedLimits, forKey: .unenforcedLimits)
    }
}

/// This instance's role in its fleet (`GET /v1/role`; 503 unless primary, so that a load balancer's check sends
/// traffic to the primary only).
public enum Role: String, Codable, Sendable, Equatable {
    /// Holds its fleet's lease: it serves.
    case primary
    /// A standby (hot or warm), or an instance still joining its fleet.
    case standby
    /// Out of its fleet until healed and validated.
    case quarantined
    /// In no fleet (no `instance`, or one no fleet lists).
    case standalone
}

/// `GET /v1/role` (also HEAD and OPTIONS, for a load balancer's health check).
public struct RoleResponse: Codable, Sendable, Equatable {
    /// This instance's role.
    public var role: Role
    /// This instance's name; null outside a fleet.
    public var instance: String?
    /// The fleet's name; null outside a fleet.
    public var fleet: String?
    /// The instance that holds the lease as this one last saw it; null when none does (or outside a fleet).
    public var holder: String?
    /// The holder's fencing token: it grows with every new holding.
    public var token: UInt64?

    /// Makes a response from its parts.
    public init(
        role: Role, instance: String? = nil, fleet: String? = nil, holder: String? = nil, token: UInt64? = nil
    ) {
        self.role = role
        self.instance = instance
        self.fleet = fleet
        self.holder = holder
        self.token = token
    }

    /// Writes every key, `null` ones included.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(role, forKey: .role)
        try c.encode(instance, forKey: .instance)
        try c.encode(fleet, forKey: .fleet)
        try c.encode(holder, forKey: .holder)
        try c.encode(token, forKey: .token)
    }
}
