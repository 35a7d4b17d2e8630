import Foundation
import GraceAPIModels
import GraceDSL
import Hummingbird
import Runtime

/// `/v1/status`, `/v1/kernels` and `/v1/kernels/{name}`: Grace and its kernels now.
struct StatusRoutes: APIRoutes {
    let services: APIServices

    func add(to routes: RouteBuilder) {
        routes.get("/v1/status") { _, _ in await status() }
        routes.get("/v1/kernels") { _, _ in await kernels() }
        routes.get("/v1/kernels/:name") { _, context in try await kernel(try context.parameter("name")) }
    }

    func status() async -> StatusResponse {
        // One call to the supervisor and one to the live state for everything, not one more per kernel.
        let (graph, kernels) = await services.supervisor.overview()
        let (last, dashboard) = await services.live.head
        return StatusResponse(
            version: services.version, pid: ProcessInfo.processInfo.processIdentifier,
            instance: graph.settings?.instance?.value,
            role: await FleetRoutes(services: services).role(),
            startedAt: services.startedAt, uptimeSeconds: APIServices.seconds(since: services.startedAt),
            configurationHash: graph.contentHash,
            kernels: .init(
                total: kernels.count, running: kernels.filter { $0.pid != nil }.count,
                healthy: kernels.filter(\.isHealthy).count,
                failed: kernels.filter { [.gaveUp, .backingOff].contains($0.phase) }.count),
            journal: .init(
                entries: last, lastID: last, writable: services.journal.isWritable,
                pending: services.journal.pendingCount),
            dashboard: dashboard, degraded: !services.journal.isWritable,
            unenforcedLimits: kernels.flatMap(\.unenforcedLimits).map(Self.view))
    }

    func kernels() async -> KernelsResponse {
        var views: [KernelView] = []
        let now = Date()
        let statuses = await services.supervisor.status()
        let series = await services.live.series(of: statuses.map(\.name))
        for status in statuses {
            views.append(Self.view(status, series: series[status.name] ?? MetricHistory.Series(), now: now))
        }
        return KernelsResponse(kernels: views)
    }

    func kernel(_ name: String) async throws -> KernelView {
        guard let status = await services.supervisor.status().first(where: { $0.name == name }) else {
            throw APIError.notFound("no kernel `\(name.prefix(100))`")
        }
        return Self.view(status, series: await services.live.series(of: name), now: Date())
    }

    static func view(_ k: KernelStatus, series: MetricHistory.Series, now: Date) -> KernelView {
        KernelView(
            name: k.name, state: k.phase.rawValue, pid: k.pid, startedAt: k.startedAt,
            uptimeSeconds: k.startedAt.map { APIServices.seconds(since: $0, now: now) }, restarts: k.restarts,
            healthy: k.healthy, paused: k.paused, tier: k.tier.rawValue,
            metrics: k.metrics.map { m in
                KernelView.Metrics(
                    cpuPercent: m.cpuPercent.isFinite ? m.cpuPercent : 0, rssBytes: Int64(clamping: m.rssBytes),
                    openFDs: m.openFDs, threads: m.threads, sampledAt: series.sampledAt ?? now)
            },
            history: .init(cpuPercent: series.cpuPercent, rssBytes: series.rssBytes),
            unenforcedLimits: k.unenforcedLimits.map(view))
    }

    static func view(_ limit: UnenforcedLimit) -> UnenforcedLimitView {
        UnenforcedLimitView(kernel: limit.kernel, limit: limit.limit, value: limit.value, reason: limit.reason)
    }
}
