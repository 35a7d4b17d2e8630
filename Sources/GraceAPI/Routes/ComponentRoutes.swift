import Foundation
import GraceAPIModels
import Hummingbird
import Runtime

/// `GET /v1/components`: Grace's own parts, their state, last heartbeat and restarts (what mutual repair watches).
/// `POST /v1/components/{name}/restart`: an operator's restart through Grace's root (it also clears a component the
/// root gave up on). `POST /v1/components/{name}/hang`: a drill's fault, wedging the component's work loop until
/// the root notices its silence and restarts it. Both answer 202 once under way; the journal records the rest.
struct ComponentRoutes: APIRoutes {
    let services: APIServices

    func add(to routes: RouteBuilder) {
        let registry = services.components
        let tree = services.tree
        routes.get("/v1/components") { _, _ in
            let now = Date()
            return ComponentsResponse(components: registry.snapshot().map { Self.view($0, now: now) })
        }
        routes.post("/v1/components/:name/restart") { request, context in
            _ = try await BodyReader.object(request, allowed: [], limit: context.maxUploadSize)
            let name = try Self.known(try context.parameter("name"), in: registry, tree: tree)
            guard let tree else { throw APIError.unavailable("components are not supervised in this process") }
            if let refusal = await tree.refusal(for: name) { throw APIError.conflict(refusal) }
            // Not awaited: restarting `api` ends the server answering this request.
            Task { _ = await tree.restart(name, reason: "api", by: "operator", force: true) }
            return EditedResponse(
                status: .accepted, response: MessageResponse(ok: true, message: "restarting \(name)"))
        }
        routes.post("/v1/components/:name/hang") { request, context in
            _ = try await BodyReader.object(request, allowed: [], limit: context.maxUploadSize)
            let name = try Self.known(try context.parameter("name"), in: registry, tree: tree)
            guard let tree else { throw APIError.unavailable("components are not supervised in this process") }
            guard await tree.hang(name) else {
                throw APIError.conflict("\(name) has no work loop this fault can wedge")
            }
            return EditedResponse(
                status: .accepted,
                response: MessageResponse(ok: true, message: "\(name) is hung until Grace's root restarts it"))
        }
    }

    private static func known(_ name: String, in registry: ComponentRegistry, tree: ComponentTree?) throws(APIError)
        -> String
    {
        guard registry.status(of: name) != nil else { throw .notFound("no component `\(name.prefix(100))`") }
        return name
    }

    static func view(_ c: ComponentStatus, now: Date) -> ComponentView {
        let interval = c.heartbeatInterval.components
        return ComponentView(
            name: c.name, state: c.state.rawValue, since: c.since, lastHeartbeat: c.lastHeartbeat,
            heartbeatAgeSeconds: c.lastHeartbeat.map { APIServices.seconds(since: $0, now: now) },
            heartbeatIntervalSeconds: Double(interval.seconds) + Double(interval.attoseconds) / 1e18, detail: c.detail,
            silent: c.silentSince != nil, silentSince: c.silentSince, restarts: c.restarts, lastRestart: c.lastRestart)
    }
}
