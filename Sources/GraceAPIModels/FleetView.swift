import Foundation

/// `GET /v1/fleet`: this instance's view of its fleet.
public struct FleetView: Codable, Sendable, Equatable {
    /// One instance of the fleet document, and whether it is present now.
    public struct Member: Codable, Sendable, Equatable {
        /// Its name.
        public var instance: String
        /// Its role as declared (`primary`, `hot`, `warm`).
        public var declared: String
        /// Its priority: higher is promoted first.
        public var priority: Int
        /// Its API address.
        public var api: String
        /// Whether it is present (its membership holds).
        public var present: Bool
        /// Whether it holds the lease.
        public var holder: Bool

        /// Makes a member from its parts.
        public init(instance: String, declared: String, priority: Int, api: String, present: Bool, holder: Bool) {
            self.instance = instance
            self.declared = declared
            self.priority = priority
            self.api = api
            self.present = present
            self.holder = holder
        }
    }

    /// The fleet's name.
    public var fleet: String
    /// This instance.
    public var instance: String
    /// What this instance is now: `starting`, `primary`, `standby` or `quarantined`.
    public var state: String
    /// The lease's backend (`local` or `etcd`).
    public var backend: String
    /// The holder of the lease as last seen; null when none.
    public var holder: String?
    /// The holder's fencing token.
    public var token: UInt64?
    /// Every instance of the fleet document.
    public var members: [Member]
    /// When this instance took its current state.
    public var since: Date
    /// When its quarantine ends; null when not quarantined.
    public var quarantinedUntil: Date?
    /// The last result of the quarantine's checks; null when none ran.
    public var healReport: String?
    /// The lease backend's last error; null when the last attempt succeeded.
    public var backendError: String?
    /// Kernels this instance's role holds stopped.
    public var heldKernels: [String]

    /// Makes a view from its parts.
    public init(
        fleet: String, instance: String, state: String, backend: String, holder: String?, token: UInt64?,
        members: [Member], since: Date, quarantinedUntil: Date?, healReport: String?, backendError: String?,
        heldKernels: [String]
    ) {
        self.fleet = fleet
        self.instance = instance
        self.state = state
        self.backend = backend
        self.holder = holder
        self.token = token
        self.members = members
        self.since = since
        self.quarantinedUntil = quarantinedUntil
        self.healReport = healReport
        self.backendError = backendError
        self.heldKernels = heldKernels
    }

    enum CodingKeys: String, CodingKey {
        case fleet, instance, state, backend, holder, token, members, since
        case quarantinedUntil = "quarantined_until"
        case healReport = "heal_report"
        case backendError = "backend_error"
        case heldKernels = "held_kernels"
    }

    /// Writes every key, `null` ones included.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fleet, forKey: .fleet)
        try c.encode(instance, forKey: .instance)
        try c.encode(state, forKey: .state)
        try c.encode(backend, forKey: .backend)
        try c.encode(holder, forKey: .holder)
        try c.encode(token, forKey: .token)
        try c.encode(members, forKey: .members)
        try c.encode(since, forKey: .since)
        try c.encode(quarantinedUntil, forKey: .quarantinedUntil)
        try c.encode(healReport, forKey: .healReport)
        try c.encode(backendError, forKey: .backendError)
        try c.encode(heldKernels, forKey: .heldKernels)
    }
}

/// `POST /v1/fleet/switchover`, `/v1/fleet/quarantine` and `/v1/fleet/rejoin`: what to act on.
public struct FleetRequest: Codable, Sendable, Equatable {
    /// `switchover`: the standby to hand over to (null: the present standby of highest priority). `quarantine` and
    /// `rejoin`: the instance (null: this one).
    public var instance: String?
    /// `quarantine`: how long, as in YAML (`5m`); null: the fleet's `quarantine`.
    public var duration: String?

    /// A request about `instance`.
    public init(instance: String? = nil, duration: String? = nil) {
        self.instance = instance
        self.duration = duration
    }

    enum CodingKeys: String, CodingKey {
        case instance
        case duration = "for"
    }
}
