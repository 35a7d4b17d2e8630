import ConfigRepair
import Foundation
import GraceDSL
import Interpreter
import Runtime

/// `refactor` tasks (and `tune` ones): carry out a refactor intent of the configuration, as a pure
/// transformation of the typed documents (`RefactorPlanner`), with what the runtime observed as its context.
/// The intent's `approval` and `verify` go with the change; its `bounds` were applied by the transformation.
///
/// A `refactor` task names its intent (`refactor:`); a `tune` task takes the `tune` intents whose target
/// trigger is about its kernel. The value a change needs comes from the task (`value`: a new name, a measured
/// figure) or from the machine: `add_health_probe` probes the port the kernel's process listens on now, and `tune`
/// takes the intent's percentile of the metric over its window from the history Grace keeps (docs/replay.md).
struct RefactorTaskPlanner: TaskPlanner {
    var name: String { "refactor" }
    /// Reads the kernels' processes (for observed ports).
    let kernelPID: @Sendable (String) -> Int32?
    /// Grace's state database, for the metric history `tune` fits thresholds to; nil when there is none.
    var history: StateStore? = nil

    func plan(_ context: PlanningContext) async -> [PlannedChange] {
        guard let graph = context.compiled.result.graph else { return [] }
        let intents: [RefactorIntent]
        switch context.task.type {
        case "refactor":
            guard let name = context.task.inputs.refactor,
                let intent = graph.refactors.first(where: {
                    $0.header.name.value == name
                })
            else { return [] }
            intents = [intent]
        case "tune":
            guard let kernel = context.task.inputs.kernel else { return [] }
            intents = graph.refactors.filter { intent in
                guard intent.intent == .tune, intent.target.kind.value == .trigger,
                    let trigger = intent.target.name.flatMap({ graph.trigger($0.value) })
                else { return false }
                return graph.edges.contains {
                    $0.from.name == trigger.header.name.value && $0.to.kind == .kernel && $0.to.name == kernel
                } || intent.from?.kernel?.value == kernel
            }
        default:
            return []
        }
        var plans: [PlannedChange] = []
        for intent in intents {
            var refactorContext = RefactorContext()
            let value = context.task.inputs.value
            refactorContext.newName = value
            refactorContext.metricValue = value.flatMap(Double.init)
            var measured: String?
            if intent.intent == .tune, refactorContext.metricValue == nil, let source = intent.from,
                let observed = observedPercentile(
                    source, kernel: source.kernel?.value ?? context.task.inputs.kernel,
                    trigger: intent.target.kind.value == .trigger ? intent.target.name?.value : nil)
            {
                refactorContext.metricValue = observed.value
                measured =
                    "p\(Self.compact(source.percentile)) of \(source.metric.value.rawValue) over the last "
                    + "\(DurationParser.format(source.window)): "
                    + MetricValue.text(observed.value, unit: source.metric.value.unit)
                    + " (\(observed.samples) samples kept by Grace"
                    + (observed.leftOut.map { ", \(observed.excluded) more left out: \($0)" } ?? "") + ")"
            }
            if intent.intent == .add_health_probe, let kernel = intent.target.name?.value ?? context.task.inputs.kernel,
                let pid = kernelPID(kernel)
            {
                refactorContext.port = ListeningPorts.of(pid: pid).first
            }
            let change: ConfigChange
            do {
                change = try RefactorPlanner().plan(
                    intent, files: context.files, context: refactorContext)
            } catch {
                continue
            }
            var planned = PlannedChange(
                change: change,
                reasons: [
                    "refactor intent \(intent.header.name.value) (\(intent.intent.rawValue)): \(intent.header.description ?? "")"
                ] + (measured.map { ["measured \($0)"] } ?? []),
                planner: name)
            planned.replayWindow = intent.from?.window
            planned.approval = intent.approval
            planned.verify = intent.verify.map(\.value.arguments)
            planned.intent = intent.header.name.value
            plans.append(planned)
        }
        return plans
    }

    /// The intent's percentile of its metric over its window, from the history, leaving out the incidents
    /// (`IncidentWindows`: the target trigger's excursions and chaos drills); nil without history or samples.
    private func observedPercentile(_ source: RefactorIntent.Source, kernel: String?, trigger: String?) -> (
        value: Double, samples: Int, excluded: Int, leftOut: String?
    )? {
        guard let history else { return nil }
        let now = Date()
        let from = now.addingTimeInterval(-Double(source.window.milliseconds) / 1000)
        let host = source.metric.value.isHostMetric
        guard
            let all = try? history.metricSamples(
                kernel: host ? nil : kernel, metric: source.metric.value, from: from, to: now),
            !all.isEmpty
        else { return nil }
        // An excursion that began before the window, or a run that ended in it, is found in the journal from a
        // little earlier.
        let entries = (try? history.events(from: from.addingTimeInterval(-IncidentWindows.openRun), to: now)) ?? []
        let incidents = IncidentWindows(entries: entries, trigger: trigger, now: now)
        let samples = all.filter { !incidents.contains($0.time) }
        guard !samples.isEmpty else { return nil }
        // Nearest rank: the smallest sample with at least `percentile`% of the samples at or below it.
        let sorted = samples.map(\.value).sorted()
        let rank = Int((source.percentile / 100 * Double(sorted.count)).rounded(.up))
        return (
            sorted[min(sorted.count - 1, max(0, rank - 1))], sorted.count, all.count - samples.count,
            all.count > samples.count ? incidents.summary(trigger: trigger) : nil
        )
    }

    private static func compact(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
