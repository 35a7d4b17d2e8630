import Foundation
import GraceAPIModels
import Hummingbird
import Runtime

/// `GET /v1/components`: Grace's own parts, their state and last heartbeat (what mutual repair watches).
struct ComponentRoutes: APIRoutes {
    let services: APIServices

    func add(to routes: RouteBuilder) {
        let registry = services.components
        routes.get("/v1/components") { _, _ in
            let now = Date()
            return ComponentsResponse(components: registry.snapshot().map { Self.view($0, now: now) })
        }
    }

    static func view(_ c: ComponentStatus, now: Date) -> ComponentView {
        let interval = c.heartbeatInterval.components
        return ComponentView(
            name: c.name, state: c.state.rawValue, since: c.since, lastHeartbeat: c.lastHeartbeat,
            heartbeatAgeSeconds: c.lastHeartbeat.map { APIServices.seconds(since: $0, now: now) },
            heartbeatIntervalSeconds: Double(interval.seconds) + Double(interval.attoseconds) / 1e18, detail: c.detail,
            silent: c.silentSince != nil, silentSince: c.silentSince)
    }
}
