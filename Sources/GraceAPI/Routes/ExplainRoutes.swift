import Foundation
import GraceAPIModels
import Hummingbird
import Runtime

/// `/v1/explain/runs/{id}`, `/v1/explain/events/{id}` and `/v1/explain/kernels/{name}`: an incident as a causal
/// chain (`grace explain`, the dashboard's incident timeline).
struct ExplainRoutes: APIRoutes {
    let services: APIServices

    func add(to routes: RouteBuilder) {
        routes.get("/v1/explain/runs/:id") { _, context in
            let id = try context.parameter("id")
            return try await explain("run `\(id.prefix(100))`") { try $0.explain(run: id) }
        }
        routes.get("/v1/explain/events/:id") { _, context in
            let text = try context.parameter("id")
            guard let id = Int64(text), id > 0 else {
                throw APIError.badRequest(
                    "an event id is a journal id (an integer of at least 1), not `\(text.prefix(40))`")
            }
            return try await explain("event \(id)") { try $0.explain(event: id) }
        }
        routes.get("/v1/explain/kernels/:name") { _, context in
            let name = try context.parameter("name")
            return try await explain("kernel `\(name.prefix(100))`") { try $0.explain(kernel: name) }
        }
    }

    /// Reads and builds off the cooperative pool (finding a run scans the journal); 404 when there is no incident.
    private func explain(
        _ what: String, _ body: @escaping @Sendable (IncidentExplainer) throws -> IncidentChain?
    ) async throws -> IncidentView {
        let explainer = IncidentExplainer(store: services.store)
        let chain = try await APIError.offPool("explaining \(what)") { try body(explainer) }
        guard let chain else { throw APIError.notFound("no incident for \(what) in the journal") }
        return IncidentView(chain)
    }
}
