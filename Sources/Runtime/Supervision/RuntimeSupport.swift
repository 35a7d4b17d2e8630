import GraceDSL

/// What of a graph this build of Grace can run. Parts that later work adds are named here so that
/// `grace run` can refuse clearly instead of silently ignoring them.
public enum RuntimeSupport {
    /// Triggers whose conditions this build cannot observe; the healer does not evaluate them.
    public static func unobservableTriggers(in graph: ExecutionGraph) -> Set<String> {
        var names: Set<String> = []
        func unobservable(_ condition: Condition) -> Bool {
            switch condition {
            case .all(let parts, _): return parts.contains { unobservable($0.condition) }
            case .any(let parts): return parts.allSatisfy { unobservable($0.condition) }
            default: return false
            }
        }
        for trigger in graph.triggers where unobservable(trigger.when.condition) {
            names.insert(trigger.header.name.value)
        }
        return names
    }

    /// One line per unsupported part of `graph`; empty when this build runs all of it.
    public static func unsupported(in graph: ExecutionGraph) -> [String] {
        var parts: [String] = []
        var actions: [String: Set<String>] = [:]  // action -> playbooks
        func collect(_ steps: [Step], in playbook: String) {
            for step in steps {
                if RuntimeActionPerformerNames.unsupported.contains(step.action.keyword) {
                    actions[step.action.keyword, default: []].insert(playbook)
                }
                collect(step.undo, in: playbook)
            }
        }
        for playbook in graph.playbooks { collect(playbook.steps, in: playbook.header.name.value) }
        for (action, playbooks) in actions.sorted(by: { $0.key < $1.key }) {
            parts.append(
                "action `\(action)` (in \(playbooks.sorted().joined(separator: ", "))): not in this build; "
                    + "those steps will fail")
        }
        for kernel in graph.kernels {
            if case .http(let url, _)? = kernel.health?.check, !HTTPProbe.isSupported(url: url) {
                parts.append(
                    "kernel `\(kernel.header.name.value)`: health probe \(url): only http:// probes are in this build")
            }
        }
        return parts
    }
}

/// The names, kept next to the check so that both move together.
enum RuntimeActionPerformerNames {
    static var unsupported: Set<String> { RuntimeActionPerformer.unsupported }
}
