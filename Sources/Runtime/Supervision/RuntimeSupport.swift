import GraceDSL

/// What of a graph this build of Grace can run. Parts that later work adds are named here so that
/// `grace run` can refuse clearly instead of silently ignoring them.
public enum RuntimeSupport {
    /// One line per unsupported part of `graph`; empty when this build runs all of it.
    public static func unsupported(in graph: ExecutionGraph) -> [String] {
        var parts: [String] = []
        if !graph.triggers.isEmpty || !graph.signatures.isEmpty {
            parts.append(
                "\(graph.triggers.count) triggers, \(graph.signatures.count) signatures and \(graph.playbooks.count) "
                    + "playbooks: the interpreter that evaluates triggers and runs playbooks is not in this build")
        }
        for fleet in graph.fleets {
            parts.append("fleet `\(fleet.header.name.value)`: leases and failover are not in this build")
        }
        if let agent = graph.settings?.agent, agent.enabled {
            parts.append("the coding agent (`agent.enabled: true`) is not in this build")
        }
        return parts
    }
}
