// GraceAPI: the HTTP API (Hummingbird), Prometheus metrics and the live dashboard that `grace run` serves.
import Foundation
import GraceDSL
import Hummingbird
import Logging
import NIOCore
import Runtime
import ServiceLifecycle

/// The HTTP API as a component of `grace run`: the endpoints of docs/openapi.yaml (docs/api.md), the live event
/// stream, `/metrics` and the dashboard, on `api.listen` of the grace document, served by Hummingbird.
struct APIServer: Component {
    var name: String { "api" }

    struct Configuration: Sendable {
        /// `host:port` (`[::1]:7070` for IPv6).
        var listen: String
        var version: String
        var stateDirectory: URL
        var readsPerSecond = 1000
        var writesPerSecond = 20
        var bodyLimit = 64 * 1024
        var keepAliveInterval: Duration = .seconds(15)

        init(listen: String, version: String, stateDirectory: URL) {
            self.listen = listen
            self.version = version
            self.stateDirectory = stateDirectory
        }

        /// From the grace document: `api.listen` (default 127.0.0.1:7070) and `api.rate`.
        init(graph: ExecutionGraph, version: String, stateDirectory: URL) {
            self.init(
                listen: graph.settings?.apiListen?.value ?? "127.0.0.1:7070", version: version,
                stateDirectory: stateDirectory)
            if let rate = graph.settings?.apiRate {
                readsPerSecond = rate.reads
                writesPerSecond = rate.writes
            }
        }
    }

    enum Failure: Error, CustomStringConvertible {
        case badListenAddress(String)

        var description: String {
            switch self {
            case .badListenAddress(let text): "api.listen `\(text)` is not HOST:PORT (a port from 0 to 65535)"
            }
        }
    }

    let host: String
    let port: Int
    let token: APIToken
    private let responder: RouterResponder<APIRequestContext>
    private let live: LiveState
    private let broadcaster: EventBroadcaster
    private let consumer: Task<Void, Never>
    private let logger: Logger
    /// What the heartbeat's connection waits on.
    private let reactor: IOReactor

    /// Reads or creates the token, and subscribes to the journal entries and metric samples (make the server
    /// before the supervisor boots, so that metrics, run history and the event stream miss nothing).
    static func prepare(
        configuration: Configuration, supervisor: Supervisor, healer: Healer, reloader: ConfigurationReloader?,
        snapshots: SnapshotStore?, agentTasks: AgentTaskStore? = nil, environment: RuntimeEnvironment,
        components: ComponentRegistry, tree: ComponentTree? = nil, fleet: FleetService? = nil
    ) async throws -> APIServer {
        guard let (host, port) = parseListen(configuration.listen) else {
            throw Failure.badListenAddress(configuration.listen)
        }
        let logger = environment.logger
        let token = try APIToken.loadOrCreate(stateDirectory: configuration.stateDirectory)
        let live = LiveState()
        await live.setDashboardURL(dashboardURL(host: host, port: port))
        let metrics = APIMetrics()
        let broadcaster = EventBroadcaster(keepAliveInterval: configuration.keepAliveInterval)
        let graph = await supervisor.graph
        for kernel in graph.kernels where kernel.enabled { metrics.declareKernel(kernel.header.name.value) }
        metrics.declare(
            triggers: graph.triggers.map(\.header.name.value), playbooks: graph.playbooks.map(\.header.name.value))
        let observations = environment.hub.subscribe(buffer: 100_000) { observation in
            switch observation {
            case .journal, .metrics, .configuration: true
            default: false
            }
        }
        let consumer = Task {
            await follow(
                observations, graph: graph, store: environment.store, live: live, metrics: metrics,
                broadcaster: broadcaster)
        }
        let services = APIServices(
            supervisor: supervisor, healer: healer, reloader: reloader, snapshots: snapshots,
            journal: environment.journal, components: components, live: live, metrics: metrics,
            dashboard: DashboardFiles(), broadcaster: broadcaster, version: configuration.version,
            agentTasks: agentTasks, tree: tree, fleet: fleet)
        if services.dashboard.names.isEmpty {
            logger.warning("api: this build has no dashboard files; / answers 404")
        }
        let router = APIRouter.build(
            services: services,
            settings: .init(
                token: token, readsNeedToken: !isLoopback(host), readsPerSecond: configuration.readsPerSecond,
                writesPerSecond: configuration.writesPerSecond),
            logger: logger)
        return APIServer(
            host: host, port: port, token: token, responder: router.buildResponder(), live: live,
            broadcaster: broadcaster,
            consumer: consumer, logger: logger, reactor: environment.reactor)
    }

    /// Loads what happened before this start (the runs, the journal's head), then keeps the live state, the
    /// metrics and the event streams up to date. Entries journaled since the subscription are both in the journal
    /// and in the stream; the stream skips what was loaded.
    private static func follow(
        _ observations: ObservationStream, graph: ExecutionGraph, store: StateStore, live: LiveState,
        metrics: APIMetrics,
        broadcaster: EventBroadcaster
    ) async {
        let head = (try? store.lastEntry()?.id) ?? 0
        await live.setLastJournalID(head)
        metrics.journalEntries(head)
        var after: Int64 = 0
        while !Task.isCancelled, after < head {
            guard let page = try? store.events(after: after, limit: 5000, kinds: RunIndex.kinds), !page.isEmpty
            else { break }
            for entry in page where entry.id <= head { await live.apply(entry) }
            after = page[page.count - 1].id
        }
        var signalMetrics = SignalMetrics(metrics: metrics, graph: graph)
        for await observation in observations {
            switch observation {
            case .configuration(let graph):
                signalMetrics.configure(graph)
            case .journal(let entry):
                signalMetrics.observe(entry)
                await broadcaster.publish(entry)
                if entry.id > head { await live.apply(entry) }
            case .metrics(let kernel, let sample):
                signalMetrics.observe(kernel: kernel, sample)
                await live.record(kernel: kernel, sample)
            default:
                break
            }
        }
    }

    /// Serves until graceful shutdown. A port that cannot be bound is logged and the rest of Grace goes on:
    /// supervision matters more than its window.
    func run() async throws {
        let live = live
        let logger = logger
        let host = host
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: "grace"),
            onServerRunning: { channel in
                let url = Self.dashboardURL(host: host, port: channel.localAddress?.port ?? 0)
                await live.setDashboardURL(url)
                await live.setBoundPort(channel.localAddress?.port)
                logger.info("dashboard: \(url)")
            },
            logger: logger)
        let broadcaster = broadcaster
        do {
            try await withGracefulShutdownHandler {
                try await app.run()
            } onGracefulShutdown: {
                Task { await broadcaster.close() }
            }
        } catch {
            // Returning leaves the component idle until shutdown (`grace components` says so), and readiness for
            // systemd does not wait for a listener that will never be.
            logger.critical("api: cannot serve on \(host):\(port): \(error); Grace runs on without its HTTP API")
            await live.setBoundPort(nil)
        }
        await broadcaster.close()
        consumer.cancel()
    }

    /// A TCP connection to the listener: the server accepts, so its event loop is alive. No beat while the port
    /// is not bound (before start, or when binding failed).
    func heartbeat() async -> Bool {
        guard let port = await live.boundPort else { return false }
        let target = host == "0.0.0.0" ? "127.0.0.1" : (host == "::" ? "::1" : host)
        return await TCPProbe(host: target, port: port, reactor: reactor).check(timeout: .seconds(1)).isHealthy
    }

    /// `host:port`, `[v6]:port` or `:port` (all interfaces).
    static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    static func dashboardURL(host: String, port: Int) -> String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return "http://\(shown):\(port)/"
    }
}
