import Foundation
import GraceDSL
import Interpreter
import Runtime

/// Turns supervisor signals into Prometheus metrics: what the journal says about kernels, triggers and runs,
/// and the metric samples. Keeps the little state that needs (when trouble began, when runs started).
struct SignalMetrics {
    private let metrics: APIMetrics
    private var troubleSince: [String: Date] = [:]
    private var runStarts: [String: Date] = [:]
    /// Kernels with a health probe: healthy once it passes. The others are healthy once ready.
    private var probed: Set<String> = []

    init(metrics: APIMetrics, graph: ExecutionGraph) {
        self.metrics = metrics
        configure(graph)
    }

    /// The graph a reload applied: which kernels have a probe.
    mutating func configure(_ graph: ExecutionGraph) {
        probed = Set(graph.kernels.filter { $0.health != nil }.map(\.header.name.value))
    }

    mutating func observe(_ entry: JournalEntry) {
        metrics.journalEntries(entry.id)
        switch entry.event {
        case .kernelStarted(let kernel, _):
            metrics.kernelUp(kernel, true)
            metrics.kernelHealthy(kernel, false)  // starting: not healthy until ready (and its probe passes)
        case .kernelExited(let kernel, _, _, _):
            metrics.kernelUp(kernel, false)
            metrics.kernelHealthy(kernel, false)
            metrics.kernelSampleCleared(kernel)
            if troubleSince[kernel] == nil { troubleSince[kernel] = entry.time }
        case .kernelStopped(let kernel, _, _, _), .kernelGaveUp(let kernel, _):
            metrics.kernelUp(kernel, false)
            metrics.kernelHealthy(kernel, false)
            metrics.kernelSampleCleared(kernel)
            troubleSince.removeValue(forKey: kernel)
        case .kernelUnhealthy(let kernel, _, _):
            metrics.kernelHealthy(kernel, false)
            if troubleSince[kernel] == nil { troubleSince[kernel] = entry.time }
        case .kernelReady(let kernel, _), .kernelHealthy(let kernel):
            if entry.kind == JournalKind.kernelHealthy.rawValue || !probed.contains(kernel) {
                metrics.kernelHealthy(kernel, true)
            }
            if let since = troubleSince.removeValue(forKey: kernel) {
                metrics.healed(after: .milliseconds(Int64(max(0, entry.time.timeIntervalSince(since)) * 1000)))
            }
        case .kernelRestarting(let kernel, _, _):
            metrics.kernelRestarted(kernel, reason: .policy)
        case .kernelRestartRequested(let kernel, _, let origin, _):
            metrics.kernelRestarted(kernel, reason: origin)
        case .triggerFired(let trigger, _, _, _, _):
            metrics.triggerFired(trigger, suppressed: false)
        case .triggerSuppressed(let trigger, _, _, _):
            metrics.triggerFired(trigger, suppressed: true)
        case .runStarted(let run, _, _, _, _):
            runStarts[run] = entry.time
            if runStarts.count > 10_000 { runStarts.removeAll() }
        case .runSucceeded(let run, let playbook):
            finished(run, playbook: playbook, succeeded: true, at: entry.time)
        case .runFailed(let run, let playbook, _):
            finished(run, playbook: playbook, succeeded: false, at: entry.time)
        default:
            break
        }
    }

    private mutating func finished(_ run: String, playbook: String, succeeded: Bool, at time: Date) {
        let started = runStarts.removeValue(forKey: run)
        metrics.runFinished(
            playbook, succeeded: succeeded,
            duration: started.map { .milliseconds(Int64(max(0, time.timeIntervalSince($0)) * 1000)) })
    }

    func observe(kernel: String, _ sample: KernelMetrics) {
        metrics.kernelSample(kernel, sample)
    }
}
