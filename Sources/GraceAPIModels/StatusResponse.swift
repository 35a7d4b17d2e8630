import Foundation

/// `GET /v1/status`: this Grace at a glance.
public struct StatusResponse: Codable, Sendable, Equatable {
    public struct Kernels: Codable, Sendable, Equatable {
        public var total: Int
        public var running: Int
        public var healthy: Int
        /// Backing off or given up.
        public var failed: Int

        public init(total: Int, running: Int, healthy: Int, failed: Int) {
            self.total = total
            self.running = running
            self.healthy = healthy
            self.failed = failed
        }
    }

    public struct Journal: Codable, Sendable, Equatable {
        public var entries: Int64
        public var lastID: Int64

        public init(entries: Int64, lastID: Int64) {
            self.entries = entries
            self.lastID = lastID
        }

        enum CodingKeys: String, CodingKey {
            case entries
            case lastID = "last_id"
        }
    }

    public var version: String
    public var instance: String?
    public var role: Role
    public var startedAt: Date
    public var uptimeSeconds: Double
    public var configurationHash: String
    public var kernels: Kernels
    public var journal: Journal
    public var dashboard: String

    public init(
        version: String, instance: String?, role: Role, startedAt: Date, uptimeSeconds: Double,
        configurationHash: String, kernels: Kernels, journal: Journal, dashboard: String
    ) {
        self.version = version
        self.instance = instance
        self.role = role
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.configurationHash = configurationHash
        self.kernels = kernels
        self.journal = journal
        self.dashboard = dashboard
    }

    enum CodingKeys: String, CodingKey {
        case version, instance, role, kernels, journal, dashboard
        case startedAt = "started_at"
        case uptimeSeconds = "uptime_seconds"
        case configurationHash = "configuration_hash"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(instance, forKey: .instance)
        try c.encode(role, forKey: .role)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(uptimeSeconds, forKey: .uptimeSeconds)
        try c.encode(configurationHash, forKey: .configurationHash)
        try c.encode(kernels, forKey: .kernels)
        try c.encode(journal, forKey: .journal)
        try c.encode(dashboard, forKey: .dashboard)
    }
}

/// This instance's role in its fleet (`GET /v1/role`; 503 for a standby, so that a load balancer's check sends
/// traffic to the primary only).
public enum Role: String, Codable, Sendable, Equatable {
    case primary
    case standby
    case standalone
}

/// `GET /v1/role`.
public struct RoleResponse: Codable, Sendable, Equatable {
    public var role: Role

    public init(role: Role) {
        self.role = role
    }
}
