import Hummingbird
import NIOCore

/// `/` (the dashboard), `/static/{name}` (its files) and `/metrics` (the Prometheus exposition).
struct DashboardRoutes: APIRoutes {
    let services: APIServices

    func add(to routes: RouteBuilder) {
        let dashboard = services.dashboard
        let metrics = services.metrics
        let journal = services.journal
        let healer = services.healer
        let components = services.components
        routes.get("/") { _, _ in try dashboard.response(for: "index.html") }
        routes.get("/static/:name") { _, context in try dashboard.response(for: try context.parameter("name")) }
        routes.get("/metrics") { _, _ in
            metrics.journalState(writable: journal.isWritable, pending: journal.pendingCount)
            metrics.healer(healer.figures)
            metrics.components(components.snapshot())
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
    }
}
