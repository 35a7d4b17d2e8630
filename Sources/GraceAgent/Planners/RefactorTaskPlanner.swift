import ConfigRepair
import Foundation
import GraceDSL
import Runtime

/// `refactor` tasks (and `tune` ones): carry out a refactor intent of the configuration, as a pure
/// transformation of the typed documents (`RefactorPlanner`), with what the runtime observed as its context.
/// The intent's `approval` and `verify` go with the change; its `bounds` were applied by the transformation.
///
/// A `refactor` task names its intent (`refactor:`); a `tune` task takes the `tune` intents whose target
/// trigger is about its kernel. The value a change needs comes from the task (`value`: a new name, a measured
/// figure) or from the machine: `add_health_probe` probes the port the kernel's process listens on now.
struct RefactorTaskPlanner: TaskPlanner {
    var name: String { "refactor" }
    /// Reads the kernels' processes (for observed ports).
    let kernelPID: @Sendable (String) -> Int32?

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
                ],
                planner: name)
            planned.approval = intent.approval
            planned.verify = intent.verify.map(\.value.arguments)
            planned.intent = intent.header.name.value
            plans.append(planned)
        }
        return plans
    }
}
