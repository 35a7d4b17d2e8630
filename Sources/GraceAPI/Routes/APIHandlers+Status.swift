import Foundation
import GraceDSL
import Runtime

extension APIHandlers {
    func status() async throws -> APIReply {
        let graph = await supervisor.graph
        let kernels = await supervisor.status()
        // One call to the supervisor for everything, not one more per kernel.
        let healthy = kernels.filter(\.isHealthy).count
        let running = kernels.filter { $0.pid != nil }.count
        let failed = kernels.filter { [.gaveUp, .backingOff].contains($0.phase) }.count
        let last = await live.lastJournalID
        let now = Date()
        let role = Self.role(in: graph)
        return .json(
            .ok,
            .object([
                ("version", .string(version)),
                ("instance", .optional(graph.settings?.instance?.value)),
                ("role", .string(role)),
                ("started_at", .time(startedAt)),
                ("uptime_seconds", .double(Self.seconds(since: startedAt, now: now))),
                ("configuration_hash", .string(graph.contentHash)),
                (
                    "kernels",
                    .object([
                        ("total", .int(kernels.count)), ("running", .int(running)), ("healthy", .int(healthy)),
                        ("failed", .int(failed)),
                    ])
                ),
                ("journal", .object([("entries", .int(last)), ("last_id", .int(last))])),
                ("dashboard", .string(await live.dashboardURL)),
            ]))
    }

    func kernels() async throws -> APIReply {
        var out: [JSON] = []
        let now = Date()
        for k in await supervisor.status() {
            out.append(Self.kernelJSON(k, series: await live.series(of: k.name), now: now))
        }
        return .json(.ok, .object([("kernels", .array(out))]))
    }

    func kernel(_ name: String) async throws -> APIReply {
        guard let k = await supervisor.status().first(where: { $0.name == name }) else {
            throw APIError.notFound("no kernel `\(name.prefix(100))`")
        }
        return .json(.ok, Self.kernelJSON(k, series: await live.series(of: name), now: Date()))
    }

    static func kernelJSON(_ k: KernelStatus, series: MetricHistory.Series, now: Date) -> JSON {
        let metrics: JSON =
            k.metrics.map { m in
                .object([
                    ("cpu_percent", .double(m.cpuPercent)), ("rss_bytes", .int(Int64(clamping: m.rssBytes))),
                    ("open_fds", .int(m.openFDs)), ("threads", .int(m.threads)),
                    ("sampled_at", .time(series.sampledAt ?? now)),
                ])
            } ?? .null
        return .object([
            ("name", .string(k.name)),
            ("state", .string(k.phase.rawValue)),
            ("pid", .optional(k.pid.map { Int($0) })),
            ("started_at", .time(k.startedAt)),
            ("uptime_seconds", .optional(k.startedAt.map { seconds(since: $0, now: now) })),
            ("restarts", .int(k.restarts)),
            ("healthy", .optional(k.healthy)),
            ("paused", .bool(k.paused)),
            ("tier", .string(k.tier.rawValue)),
            ("metrics", metrics),
            (
                "history",
                .object([
                    ("cpu_percent", .array(series.cpuPercent.map { .double($0) })),
                    ("rss_bytes", .array(series.rssBytes.map { .double($0) })),
                ])
            ),
        ])
    }

    /// This instance's declared role in the fleet document: primary, standby (hot or warm) or standalone.
    static func role(in graph: ExecutionGraph) -> String {
        guard let instance = graph.settings?.instance?.value else { return "standalone" }
        for fleet in graph.fleets {
            if let declared = fleet.instances.first(where: { $0.name.value == instance }) {
                return declared.role.value == .primary ? "primary" : "standby"
            }
        }
        return "standalone"
    }

    func role() async -> APIReply {
        let role = Self.role(in: await supervisor.graph)
        return .json(role == "standby" ? .serviceUnavailable : .ok, .object([("role", .string(role))]))
    }

    func graph() async -> APIReply {
        let text = GraphRenderer().render(await supervisor.graph, format: .json)
        return .text(contentType: "application/json; charset=utf-8", text)
    }
}
