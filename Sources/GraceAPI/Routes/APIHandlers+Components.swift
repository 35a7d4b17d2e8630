import Foundation
import Runtime

extension APIHandlers {
    /// Grace's own components: state, since when, last heartbeat and its age against the expected interval.
    func listComponents() -> APIReply {
        let now = Date()
        let list = components.snapshot().map { c -> JSON in
            let interval = Double(c.heartbeatInterval.components.seconds)
                + Double(c.heartbeatInterval.components.attoseconds) / 1e18
            return .object([
                ("name", .string(c.name)),
                ("state", .string(c.state.rawValue)),
                ("since", .time(c.since)),
                ("last_heartbeat", .time(c.lastHeartbeat)),
                ("heartbeat_age_seconds", .optional(c.lastHeartbeat.map { Self.seconds(since: $0, now: now) })),
                ("heartbeat_interval_seconds", .double(interval)),
                ("detail", .optional(c.detail)),
            ])
        }
        return .json(.ok, .object([("components", .array(list))]))
    }
}
