import Foundation

/// One of Grace's own components as `GET /v1/components` shows it.
public struct ComponentView: Codable, Sendable, Equatable {
    /// The component's name: `supervisor`, `healer`, `snapshotter`, `api`, `control`, `watcher` or `sighup` (the
    /// ones this Grace runs).
    public var name: String
    /// starting, running, idle, stopping, stopped or failed.
    public var state: String
    /// Since when it is in `state`.
    public var since: Date
    /// When it last answered a heartbeat from its own executor; null before the first.
    public var lastHeartbeat: Date?
    /// Seconds since the last heartbeat, when the answer was made.
    public var heartbeatAgeSeconds: Double?
    /// How often it is asked for a heartbeat, in seconds (its `components:` entry in the grace document; 5 s
    /// otherwise).
    public var heartbeatIntervalSeconds: Double
    /// Why it failed, or what it is doing.
    public var detail: String?
    /// Whether it is silent: running, yet without a heartbeat for three of its intervals (`component.silent`
    /// journaled, no `component.recovered` yet).
    public var silent: Bool
    /// Since when it is silent (its last heartbeat as Grace's silence watch saw it); null while it is not.
    public var silentSince: Date?
    /// How many times it was restarted (by Grace's root, a playbook's `restart_component` or an operator).
    public var restarts: Int
    /// When it was last restarted; null before the first restart.
    public var lastRestart: Date?

    /// Makes a view from its parts; the server fills it from the component registry.
    public init(
        name: String, state: String, since: Date, lastHeartbeat: Date?, heartbeatAgeSeconds: Double?,
        heartbeatIntervalSeconds: Double, detail: String?, silent: Bool = false, silentSince: Date? = nil,
        restarts: Int = 0, lastRestart: Date? = nil
    ) {
        self.restarts = restarts
        self.lastRestart = lastRestart
        self.name = name
        self.state = state
        self.since = since
        self.lastHeartbeat = lastHeartbeat
        self.heartbeatAgeSeconds = heartbeatAgeSeconds
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.detail = detail
        self.silent = silent
        self.silentSince = silentSince
    }

    enum CodingKeys: String, CodingKey {
        case name, state, since, detail, silent, restarts
        case silentSince = "silent_since"
        case lastRestart = "last_restart"
        case lastHeartbeat = "last_heartbeat"
        case heartbeatAgeSeconds = "heartbeat_age_seconds"
        case heartbeatIntervalSeconds = "heartbeat_interval_seconds"
    }

    /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(state, forKey: .state)
        try c.encode(since, forKey: .since)
        try c.encode(lastHeartbeat, forKey: .lastHeartbeat)
        try c.encode(heartbeatAgeSeconds, forKey: .heartbeatAgeSeconds)
        try c.encode(heartbeatIntervalSeconds, forKey: .heartbeatIntervalSeconds)
        try c.encode(detail, forKey: .detail)
        try c.encode(silent, forKey: .silent)
        try c.encode(silentSince, forKey: .silentSince)
        try c.encode(restarts, forKey: .restarts)
        try c.encode(lastRestart, forKey: .lastRestart)
    }
}

/// `GET /v1/components`: in start order.
public struct ComponentsResponse: Codable, Sendable, Equatable {
    /// Every component, in start order.
    public var components: [ComponentView]

    /// Wraps the views.
    public init(components: [ComponentView]) {
        self.components = components
    }
}
