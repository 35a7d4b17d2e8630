import Hummingbird
import Interpreter
import Logging

/// The API as a Hummingbird router: middleware for errors, percent-escapes, access, rate limits and degraded mode,
/// then one route collection per area. The routes are those of docs/openapi.yaml (`scripts/check-openapi.py` checks it).
enum APIRouter {
    struct Settings: Sendable {
        var token: APIToken
        var readsNeedToken: Bool
        var readsPerSecond: Int
        var writesPerSecond: Int
        /// What the rate limits count time by.
        var clock: RuntimeClock = .continuous()
    }

    static func build(services: APIServices, settings: Settings, logger: Logger) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        let table = RouteTable()
        router.add(middleware: ErrorEnvelopeMiddleware(routes: table, metrics: services.metrics, logger: logger))
        router.add(middleware: PercentEncodingMiddleware())
        // Authentication before rate limits: on loopback every client shares one address, so a process without the
        // token must not spend the budget of those that have it (it gets 401, and no bucket is touched).
        router.add(middleware: AccessMiddleware(token: settings.token, readsNeedToken: settings.readsNeedToken))
        router.add(
            middleware: RateLimitMiddleware(
                limiter: RateLimiter(
                    readsPerSecond: settings.readsPerSecond, writesPerSecond: settings.writesPerSecond,
                    clock: settings.clock)))
        router.add(middleware: DegradedMiddleware(journal: services.journal))
        let areas: [any APIRoutes] = [
            DashboardRoutes(services: services),
            StatusRoutes(services: services),
            KernelRoutes(services: services),
            EventRoutes(services: services, logger: logger),
            RunRoutes(services: services),
            ExplainRoutes(services: services),
            KnowledgeRoutes(services: services),
            SnapshotRoutes(services: services),
            ConfigurationRoutes(services: services),
            FleetRoutes(services: services),
            ComponentRoutes(services: services),
            AgentRoutes(services: services),
            ChaosRoutes(services: services),
        ]
        for area in areas {
            let collection = RouteCollection(context: APIRequestContext.self)
            area.add(to: RouteBuilder(collection: collection, table: table))
            router.addRoutes(collection)
        }
        return router
    }
}

/// One area of the API (kernels, events, runs, ...), as a route collection.
protocol APIRoutes: Sendable {
    func add(to routes: RouteBuilder)
}

/// Adds routes to an area's collection and records them in the route table (for 405 answers).
struct RouteBuilder {
    typealias Handler<Output> = @Sendable (Request, APIRequestContext) async throws -> Output

    let collection: RouteCollection<APIRequestContext>
    let table: RouteTable

    func get<Output: ResponseGenerator>(_ path: String, use handler: @escaping Handler<Output>) {
        on(path, method: .get, use: handler)
    }

    func post<Output: ResponseGenerator>(_ path: String, use handler: @escaping Handler<Output>) {
        on(path, method: .post, use: handler)
    }

    func on<Output: ResponseGenerator>(
        _ path: String, method: HTTPRequest.Method, use handler: @escaping Handler<Output>
    ) {
        table.add(path, method: method.rawValue)
        collection.on(RouterPath(path), method: method, use: handler)
    }
}
