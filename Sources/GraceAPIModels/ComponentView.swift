import Foundation

/// One of Grace's own components as `GET /v1/components` shows it.
public struct ComponentView: Codable, Sendable, Equatable {
    public var name: String
    /// starting, running, idle, stopping, stopped or failed.
    public var state: String
    /// Since when it is in `state`.
    public var since: Date
    public var lastHeartbeat: Date?
    /// Seconds since the last heartbeat, when the answer was made.
    public var heartbeatAgeSeconds: Double?
    public var heartbeatIntervalSeconds: Double
    /// Why it failed, or what it is doing.
    public var detail: String?

    public init(
        name: String, state: String, since: Date, lastHeartbeat: Date?, heartbeatAgeSeconds: Double?,
        heartbeatIntervalSeconds: Double, detail: String?
    ) {
        self.name = name
        self.state = state
        self.since = since
        self.lastHeartbeat = lastHeartbeat
        self.heartbeatAgeSeconds = heartbeatAgeSeconds
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case name, state, since, detail
        case lastHeartbeat = "last_heartbeat"
        case heartbeatAgeSeconds = "heartbeat_age_seconds"
        case heartbeatIntervalSeconds = "heartbeat_interval_seconds"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(state, forKey: .state)
        try c.encode(since, forKey: .since)
        try c.encode(lastHeartbeat, forKey: .lastHeartbeat)
        try c.encode(heartbeatAgeSeconds, forKey: .heartbeatAgeSeconds)
        try c.encode(heartbeatIntervalSeconds, forKey: .heartbeatIntervalSeconds)
        try c.encode(detail, forKey: .detail)
    }
}

/// `GET /v1/components`: in start order.
public struct ComponentsResponse: Codable, Sendable, Equatable {
    public var components: [ComponentView]

    public init(components: [ComponentView]) {
        self.components = components
    }
}
