import Fleet
import Foundation
import GraceAPIModels
import GraceDSL
import HTTPTypes
import Hummingbird
import Runtime

/// `GET|HEAD|OPTIONS /v1/role` (for load balancers: 200 on the primary only, as Patroni's `/primary`),
/// `GET /v1/fleet` (this instance's view of its fleet), and the operator's `POST /v1/fleet/switchover`,
/// `/v1/fleet/quarantine` and `/v1/fleet/rejoin`.
struct FleetRoutes: APIRoutes {
    let services: APIServices

    func add(to routes: RouteBuilder) {
        routes.get("/v1/role") { _, _ in try await roleResponse() }
        // HAProxy's `option httpchk` sends OPTIONS by default, and HEAD is the cheapest check: same status.
        routes.on("/v1/role", method: .head) { _, _ in
            let answer = try await roleResponse()
            return Response(status: answer.status ?? .ok, headers: [.cacheControl: "no-store"])
        }
        routes.on("/v1/role", method: .options) { _, _ in try await roleResponse() }
        routes.get("/v1/fleet") { _, _ in try await fleetView() }
        routes.post("/v1/fleet/switchover") { request, context in
            let body = try await Self.body(request, context: context, allowed: ["instance"])
            let fleet = try member()
            if let target = body.instance { try await known(target, in: fleet) }
            do {
                let chosen = try await fleet.switchover(to: body.instance)
                return EditedResponse(
                    status: .accepted, response: MessageResponse(ok: true, message: "handing over to \(chosen)"))
            } catch {
                throw APIError.conflict(String(describing: error))
            }
        }
        routes.post("/v1/fleet/quarantine") { request, context in
            let body = try await Self.body(request, context: context, allowed: ["instance", "for"])
            let fleet = try member()
            var duration: Duration?
            if let text = body.duration {
                guard let parsed = DurationParser.parse(text), parsed > .zero else {
                    throw APIError.badRequest("`for` is a duration such as `30s` or `5m`, not `\(text.prefix(40))`")
                }
                duration = parsed
            }
            let instance = body.instance ?? fleet.instanceName
            try await known(instance, in: fleet)
            do {
                try await fleet.quarantine(instance, for: duration, reason: "operator")
            } catch {
                throw APIError.conflict(String(describing: error))
            }
            return EditedResponse(
                status: .accepted, response: MessageResponse(ok: true, message: "quarantining \(instance)"))
        }
        routes.post("/v1/fleet/rejoin") { request, context in
            let body = try await Self.body(request, context: context, allowed: ["instance"])
            let fleet = try member()
            let instance = body.instance ?? fleet.instanceName
            try await known(instance, in: fleet)
            do {
                try await fleet.rejoin(instance)
            } catch {
                throw APIError.conflict(String(describing: error))
            }
            return EditedResponse(
                status: .accepted,
                response: MessageResponse(ok: true, message: "\(instance) rejoins once its checks pass"))
        }
    }

    private static func body(_ request: Request, context: APIRequestContext, allowed: Set<String>) async throws
        -> FleetRequest
    {
        let data = try await BodyReader.object(request, allowed: allowed, limit: context.maxUploadSize)
        return try APIRequestDecoder.decode(FleetRequest.self, from: data)
    }

    private func member() throws(APIError) -> FleetService {
        guard let fleet = services.fleet else {
            throw .conflict("this Grace runs as no fleet instance (start it with `grace run --instance NAME`)")
        }
        return fleet
    }

    /// 404 unless the fleet document lists `instance`.
    private func known(_ instance: String, in fleet: FleetService) async throws(APIError) {
        let graph = await services.supervisor.graph
        let listed = graph.fleets.first { $0.header.name.value == fleet.fleetName }?.instances ?? []
        guard listed.contains(where: { $0.name.value == instance }) else {
            throw .notFound("`\(instance.prefix(100))` is not an instance of \(fleet.fleetName)")
        }
    }

    /// The role alone, for `GET /v1/status`.
    func role() async -> Role { await roleBody().role }

    /// The role as the lease says: 200 only while this instance holds it (or outside any fleet).
    func roleResponse() async throws -> EditedResponse<RoleResponse> {
        let body = await roleBody()
        return EditedResponse(
            status: body.role == .primary || body.role == .standalone ? .ok : .serviceUnavailable, response: body)
    }

    private func roleBody() async -> RoleResponse {
        guard let fleet = services.fleet, let status = await fleet.status() else {
            let graph = await services.supervisor.graph
            let instance = graph.settings?.instance?.value
            // An instance whose member is not running (its lease backend could not be opened) does not serve.
            let role: Role = instance.flatMap { graph.fleet(listing: $0) } == nil ? .standalone : .standby
            return RoleResponse(role: role, instance: instance)
        }
        let role: Role =
            switch status.role {
            case .primary: .primary
            case .quarantined: .quarantined
            case .standby, .starting: .standby
            }
        return RoleResponse(
            role: role, instance: status.instance, fleet: status.fleet, holder: status.holder?.claim.instance,
            token: status.holder?.token)
    }

    private func fleetView() async throws(APIError) -> FleetView {
        guard let fleet = services.fleet, let status = await fleet.status() else {
            throw .notFound("this Grace runs as no fleet instance (start it with `grace run --instance NAME`)")
        }
        let graph = await services.supervisor.graph
        let document = graph.fleet(listing: status.instance)
        let present = Set(status.members.map(\.instance))
        let holder = status.holder?.claim.instance
        let members = (document?.instances ?? []).map {
            FleetView.Member(
                instance: $0.name.value, declared: $0.role.value.rawValue, priority: $0.priority.value,
                api: $0.api.value, present: present.contains($0.name.value) || $0.name.value == status.instance,
                holder: $0.name.value == holder)
        }
        return FleetView(
            fleet: status.fleet, instance: status.instance, state: status.role.rawValue,
            backend: document?.lease?.backend.value.rawValue ?? "local", holder: holder, token: status.holder?.token,
            members: members, since: status.since, quarantinedUntil: status.quarantinedUntil,
            healReport: status.healReport, backendError: status.backendError,
            heldKernels: await services.supervisor.heldKernels)
    }
}
