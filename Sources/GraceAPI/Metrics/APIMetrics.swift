import Foundation
import Interpreter
import Metrics
import Prometheus
import Runtime
import Synchronization

/// Grace's Prometheus metrics, recorded through swift-metrics into a registry of this server's own (no global
/// bootstrap: the factory is passed to every metric), and the text exposition of `/metrics`.
final class APIMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// The healer's figures at the last scrape: its counters grow by the difference.
    private let healerSeen = Mutex(HealerCounters.Figures.zero)
    /// Each component's restarts at the last scrape: its counter grows by the difference.
    private let componentRestartsSeen = Mutex([String: Int]())

    /// Help texts, added to the exposition (swift-metrics has no place for them).
    static let help: [String: String] = [
        "grace_kernel_up": "1 while the kernel's process runs, else 0.",
        "grace_kernel_healthy":
            "1 while the kernel runs, is ready and passes its health probe (if it has one); 0 when stopped, exited, "
            + "starting or failing its probe.",
        "grace_kernel_restarts_total":
            "Restarts of the kernel, by reason: its restart policy, a playbook, the API or a reload.",
        "grace_kernel_cpu_percent": "CPU use of the kernel's process over the last sample, percent of one core.",
        "grace_kernel_rss_bytes": "Resident memory of the kernel's process.",
        "grace_kernel_open_fds": "Open file descriptors of the kernel's process.",
        "grace_kernel_threads": "Threads of the kernel's process.",
        "grace_kernel_zombies": "Exited children of the kernel's processes that nobody has reaped yet.",
        "grace_kernel_memory_percent": "Resident memory as a percentage of the kernel's enforced memory limit.",
        "grace_kernel_fd_usage_percent": "Open descriptors as a percentage of the kernel's descriptor limit.",
        "grace_kernel_log_lines_per_second": "Lines the kernel wrote to stdout and stderr per second, last interval.",
        "grace_trigger_firings_total": "Trigger firings, by whether a playbook ran or the firing was suppressed.",
        "grace_playbook_runs_total": "Finished playbook runs by outcome.",
        "grace_playbook_run_duration_seconds": "Duration of finished playbook runs.",
        "grace_time_to_heal_seconds": "From a kernel's exit or unhealthy report to its next ready or healthy report.",
        "grace_journal_entries": "Entries in the journal.",
        "grace_journal_writable":
            "1 while the journal can be written; 0 while Grace is degraded (restarts only, nothing else acts).",
        "grace_journal_pending": "Events waiting to be written while the journal cannot be.",
        "grace_http_requests_total": "HTTP API requests by method and status.",
        "grace_healer_journal_entries_total": "Journal entries the healer evaluated against the triggers.",
        "grace_healer_journal_missed_total":
            "Journal entries the healer never evaluated: gaps in the ids between the first and the newest it saw.",
        "grace_healer_journal_last_id": "The id of the newest journal entry the healer evaluated.",
        "grace_healer_log_lines_total": "Log lines the healer evaluated.",
        "grace_healer_observations_dropped_total":
            "Log lines, samples and heartbeats the healer dropped because it fell behind (never journal entries).",
        "grace_healer_catch_ups_total":
            "Times the healer fell so far behind that it read entries back from the journal.",
        "grace_component_silent":
            "1 while one of Grace's own components is silent (no heartbeat for three of its intervals), else 0.",
        "grace_component_heartbeat_age_seconds": "Seconds since the component's last heartbeat.",
        "grace_component_restarts_total":
            "Restarts of one of Grace's own components (by its root, a playbook's restart_component or an operator).",
    ]

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let seconds: [Duration] = [
            .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        ]
        factory.durationHistogramBuckets = [
            "grace_playbook_run_duration_seconds": seconds, "grace_time_to_heal_seconds": seconds,
        ]
        self.factory = factory
    }

    func kernelUp(_ kernel: String, _ up: Bool) {
        Gauge(label: "grace_kernel_up", dimensions: [("kernel", kernel)], factory: factory).record(up ? 1 : 0)
    }

    func kernelHealthy(_ kernel: String, _ healthy: Bool) {
        Gauge(label: "grace_kernel_healthy", dimensions: [("kernel", kernel)], factory: factory).record(healthy ? 1 : 0)
    }

    /// Makes the kernel's series exist (at zero) before anything happens to it.
    func declareKernel(_ kernel: String) {
        kernelUp(kernel, false)
        kernelHealthy(kernel, false)
        for origin in RestartOrigin.allCases {
            Counter(
                label: "grace_kernel_restarts_total", dimensions: [("kernel", kernel), ("reason", origin.rawValue)],
                factory: factory
            ).increment(by: 0)
        }
    }

    /// Makes the series of a trigger's firings and a playbook's runs exist (at zero) before the first one.
    func declare(triggers: [String], playbooks: [String]) {
        for trigger in triggers {
            for decision in ["run", "suppressed"] {
                Counter(
                    label: "grace_trigger_firings_total", dimensions: [("trigger", trigger), ("decision", decision)],
                    factory: factory
                ).increment(by: 0)
            }
        }
        for playbook in playbooks {
            for outcome in ["succeeded", "failed"] {
                Counter(
                    label: "grace_playbook_runs_total", dimensions: [("playbook", playbook), ("outcome", outcome)],
                    factory: factory
                ).increment(by: 0)
            }
            _ = Metrics.Timer(
                label: "grace_playbook_run_duration_seconds", dimensions: [("playbook", playbook)], factory: factory)
        }
        _ = Metrics.Timer(label: "grace_time_to_heal_seconds", dimensions: [], factory: factory)
    }

    /// One restart of `kernel`, by its policy or asked for (`reason`: policy, playbook, api, reload).
    func kernelRestarted(_ kernel: String, reason: RestartOrigin) {
        Counter(
            label: "grace_kernel_restarts_total", dimensions: [("kernel", kernel), ("reason", reason.rawValue)],
            factory: factory
        ).increment()
    }

    /// Removes the kernel's CPU and memory series: a kernel without a process has no such figures (a gauge left at
    /// its last value would say otherwise).
    func kernelSampleCleared(_ kernel: String) {
        for label in Self.kernelSampleLabels {
            Gauge(label: label, dimensions: [("kernel", kernel)], factory: factory).destroy()
        }
    }

    /// Every gauge a kernel's sample sets.
    static let kernelSampleLabels = [
        "grace_kernel_cpu_percent", "grace_kernel_rss_bytes", "grace_kernel_open_fds", "grace_kernel_threads",
        "grace_kernel_zombies", "grace_kernel_memory_percent", "grace_kernel_fd_usage_percent",
        "grace_kernel_log_lines_per_second",
    ]

    /// A kernel's sample: the figures its triggers watch. Those a kernel does not have (no enforced limit, no log
    /// rate yet) are removed rather than left at an old value.
    func kernelSample(_ kernel: String, _ sample: KernelMetrics) {
        let figures: [(String, Double?)] = [
            ("grace_kernel_cpu_percent", sample.cpuPercent), ("grace_kernel_rss_bytes", Double(sample.rssBytes)),
            ("grace_kernel_open_fds", Double(sample.openFDs)), ("grace_kernel_threads", Double(sample.threads)),
            ("grace_kernel_zombies", Double(sample.zombies)), ("grace_kernel_memory_percent", sample.memoryPercent),
            ("grace_kernel_fd_usage_percent", sample.descriptorPercent),
            ("grace_kernel_log_lines_per_second", sample.logLinesPerSecond),
        ]
        for (label, value) in figures {
            let gauge = Gauge(label: label, dimensions: [("kernel", kernel)], factory: factory)
            if let value { gauge.record(value) } else { gauge.destroy() }
        }
    }

    func triggerFired(_ trigger: String, suppressed: Bool) {
        Counter(
            label: "grace_trigger_firings_total",
            dimensions: [("trigger", trigger), ("decision", suppressed ? "suppressed" : "run")], factory: factory
        ).increment()
    }

    func runFinished(_ playbook: String, succeeded: Bool, duration: Duration?) {
        Counter(
            label: "grace_playbook_runs_total",
            dimensions: [("playbook", playbook), ("outcome", succeeded ? "succeeded" : "failed")], factory: factory
        ).increment()
        if let duration {
            Metrics.Timer(
                label: "grace_playbook_run_duration_seconds", dimensions: [("playbook", playbook)], factory: factory
            )
            .record(duration: duration)
        }
    }

    func healed(after duration: Duration) {
        Metrics.Timer(label: "grace_time_to_heal_seconds", dimensions: [], factory: factory).record(duration: duration)
    }

    func journalEntries(_ count: Int64) {
        Gauge(label: "grace_journal_entries", dimensions: [], factory: factory).record(Double(count))
    }

    /// Whether the journal can be written, and how many events wait (read at each scrape).
    func journalState(writable: Bool, pending: Int) {
        Gauge(label: "grace_journal_writable", dimensions: [], factory: factory).record(writable ? 1 : 0)
        Gauge(label: "grace_journal_pending", dimensions: [], factory: factory).record(Double(pending))
    }

    /// The healer's figures (read at each scrape).
    func healer(_ figures: HealerCounters.Figures) {
        let previous = healerSeen.withLock { seen in
            defer { seen = figures }
            return seen
        }
        let counters: [(String, Int, Int)] = [
            ("grace_healer_journal_entries_total", figures.journalEntries, previous.journalEntries),
            ("grace_healer_journal_missed_total", figures.journalMissed, previous.journalMissed),
            ("grace_healer_log_lines_total", figures.logLines, previous.logLines),
            ("grace_healer_observations_dropped_total", figures.observationsDropped, previous.observationsDropped),
            ("grace_healer_catch_ups_total", figures.catchUps, previous.catchUps),
        ]
        for (label, now, before) in counters {
            Counter(label: label, dimensions: [], factory: factory).increment(by: max(0, now - before))
        }
        Gauge(label: "grace_healer_journal_last_id", dimensions: [], factory: factory)
            .record(Double(figures.lastJournalID))
    }

    /// Grace's own components, as the registry has them (read at each scrape).
    func components(_ components: [ComponentStatus], now: Date = Date()) {
        let previous = componentRestartsSeen.withLock { seen in
            defer { for c in components { seen[c.name] = c.restarts } }
            return seen
        }
        for c in components {
            let dimensions = [("component", c.name)]
            Gauge(label: "grace_component_silent", dimensions: dimensions, factory: factory)
                .record(c.silentSince == nil ? 0 : 1)
            if let beat = c.lastHeartbeat {
                Gauge(label: "grace_component_heartbeat_age_seconds", dimensions: dimensions, factory: factory)
                    .record(max(0, now.timeIntervalSince(beat)))
            }
            Counter(label: "grace_component_restarts_total", dimensions: dimensions, factory: factory)
                .increment(by: max(0, c.restarts - (previous[c.name] ?? 0)))
        }
    }

    func request(method: String, status: Int) {
        Counter(
            label: "grace_http_requests_total", dimensions: [("method", method), ("status", String(status))],
            factory: factory
        ).increment()
    }

    /// The Prometheus text exposition, with a `# HELP` line before each `# TYPE` line.
    func exposition() -> String {
        let text = registry.emitToString()
        var out = ""
        out.reserveCapacity(text.utf8.count + 1024)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst(7).prefix { $0 != " " }
                if let help = Self.help[String(name)] { out += "# HELP \(name) \(help)\n" }
            }
            out += line
            out += "\n"
        }
        while out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }
}

extension Metrics.Timer {
    func record(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
