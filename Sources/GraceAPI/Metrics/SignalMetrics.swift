import Foundation
import Runtime

/// Turns supervisor signals into Prometheus metrics: what the journal says about kernels, triggers and runs,
/// and the metric samples. Keeps the little state that needs (when trouble began, when runs started).
public struct SignalMetrics {
    private let metrics: APIMetrics
    private var troubleSince: [String: Date] = [:]
    private var runStarts: [String: Date] = [:]

    public init(metrics: APIMetrics) {
        self.metrics = metrics
    }

    public mutating func observe(_ entry: JournalEntry) {
        metrics.journalEntries(entry.id)
        let kernel = entry.kernel
        switch entry.kind {
        case "kernel.started":
            if let kernel { metrics.kernelUp(kernel, true) }
        case "kernel.exited", "kernel.stopped", "kernel.gave_up":
            if let kernel {
                metrics.kernelUp(kernel, false)
                if entry.kind == "kernel.exited", troubleSince[kernel] == nil { troubleSince[kernel] = entry.time }
                if entry.kind != "kernel.exited" { troubleSince.removeValue(forKey: kernel) }
            }
        case "kernel.unhealthy":
            if let kernel, troubleSince[kernel] == nil { troubleSince[kernel] = entry.time }
        case "kernel.ready", "kernel.healthy":
            if let kernel, let since = troubleSince.removeValue(forKey: kernel) {
                metrics.healed(after: .milliseconds(Int64(max(0, entry.time.timeIntervalSince(since)) * 1000)))
            }
        case "kernel.restarting":
            if let kernel { metrics.kernelRestarted(kernel) }
        case "trigger.fired", "trigger.suppressed":
            metrics.triggerFired(entry.fields["trigger"] ?? "?", suppressed: entry.kind == "trigger.suppressed")
        case "run.started":
            if let run = entry.fields["run"] {
                runStarts[run] = entry.time
                if runStarts.count > 10_000 { runStarts.removeAll() }
            }
        case "run.succeeded", "run.failed":
            let started = entry.fields["run"].flatMap { runStarts.removeValue(forKey: $0) }
            metrics.runFinished(
                entry.fields["playbook"] ?? "?", succeeded: entry.kind == "run.succeeded",
                duration: started.map { .milliseconds(Int64(max(0, entry.time.timeIntervalSince($0)) * 1000)) })
        default:
            break
        }
    }

    public func observe(kernel: String, _ sample: KernelMetrics) {
        metrics.kernelSample(kernel, cpuPercent: sample.cpuPercent, rssBytes: sample.rssBytes)
    }
}
