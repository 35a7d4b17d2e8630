import Foundation
import TestSupport
import Testing

/// A scenario's `prom` probes against a real Prometheus (Debian's) that scrapes the running Grace's `/metrics`:
/// the drill asks Prometheus, as LitmusChaos's promProbe does, and a probe whose query falls outside its bounds fails
/// the drill with the series and value in the report.
@Suite("Chaos: prom probes against a real Prometheus", .serialized, .timeLimit(.minutes(5)))
struct ChaosPromProbeTests {
    @Test("prom probes: scraped Grace passes, a sample out of bounds and an empty answer fail the drill")
    func promProbes() async throws {
        let prometheus = "/usr/bin/prometheus"
        try #require(
            FileManager.default.isExecutableFile(atPath: prometheus),
            "Prometheus is not installed (Debian package prometheus): run scripts/setup --test")
        let root = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let api = try GraceBinary.freePort()
        let prom = try GraceBinary.freePort()
        try GraceBinary.write(
            """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: grace
                static_configs: [{targets: ["127.0.0.1:\(api)"]}]
            """, to: root.appendingPathComponent("prometheus/prometheus.yml"))
        let server = try RunningGrace(
            command: [
                "--config.file=\(root.path)/prometheus/prometheus.yml",
                "--storage.tsdb.path=\(root.path)/prometheus/data", "--web.listen-address=127.0.0.1:\(prom)",
            ], in: root, readStandardOutput: false, executable: prometheus)
        defer { _ = server.terminate() }
        try GraceBinary.write(
            """
            kind: grace
            name: prom-probes
            state_dir: var/grace
            api: {listen: "127.0.0.1:\(api)"}
            """, to: root.appendingPathComponent("config/grace.yaml"))
        try GraceBinary.write(
            """
            kind: kernel
            name: sleeper
            command: [/bin/sleep, "1000"]
            restart: {policy: always, backoff: {initial: 100ms, max: 1s}, intensity: {max: 5, within: 1s}, stable_after: 1s}
            ---
            kind: chaos
            name: kill-sleeper
            inject: {kill: sleeper}
            expect: {healthy: [sleeper], within: 30s}
            probes:
              - {name: grace scraped, prom: "http://127.0.0.1:\(prom)", query: 'up{job="grace"}', above: 0.5}
              - {name: no failed runs, prom: "http://127.0.0.1:\(prom)/",
                 query: 'sum(grace_playbook_runs_total{outcome="failed"}) or vector(0)', below: 1, mode: continuous,
                 every: 200ms, at_least: 90%, timeout: 5s}
              - {name: out of bounds, prom: "http://127.0.0.1:\(prom)", query: 'vector(3)', above: 0, below: 1,
                 mode: on_chaos, every: 100ms}
              - {name: nothing, prom: "http://127.0.0.1:\(prom)", query: 'no_such_metric{job="grace"}', above: 0,
                 mode: continuous}
            """, to: root.appendingPathComponent("config/kernels.yaml"))
        let grace = try RunningGrace(arguments: [], in: root)
        defer { grace.terminate() }
        _ = try await server.waitFor(["Server is ready to receive web requests"])
        _ = try await grace.waitFor(["kernel.ready", "kernel=sleeper"])
        let journal = root.appendingPathComponent("drills.json")
        let run = try await GraceBinary.run(
            ["chaos", "run", "kill-sleeper", "--journal", journal.path], in: root,
            timeout: .seconds(120))
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: journal)) as? [String: Any]
        let report = try #require((object?["drills"] as? [[String: Any]])?.first, "\(run.stdout)")
        #expect(report["healed_ms"] is Int, "the fault was healed: \(report)")
        #expect(report["deviated"] as? Bool == false, "only the probes failed: \(report)")
        let probes = Dictionary(
            uniqueKeysWithValues: (report["probes"] as? [[String: Any]] ?? []).compactMap { p in
                (p["name"] as? String).map { ($0, p) }
            })
        // Scraped before the fault and after it (the steady state waits for Prometheus' first scrape).
        #expect(probes["grace scraped"]?["ok"] as? Bool == true, "\(probes)")
        #expect(probes["grace scraped"]?["checks"] as? Int == 2, "\(probes)")
        #expect(probes["no failed runs"]?["ok"] as? Bool == true, "\(probes)")
        #expect((probes["no failed runs"]?["checks"] as? Int ?? 0) >= 1, "\(probes)")
        #expect(probes["out of bounds"]?["ok"] as? Bool == false)
        #expect((probes["out of bounds"]?["last"] as? String)?.contains("= 3, not below 1") == true, "\(probes)")
        #expect(probes["nothing"]?["ok"] as? Bool == false)
        #expect((probes["nothing"]?["last"] as? String)?.contains("no samples") == true, "\(probes)")
    }
}
