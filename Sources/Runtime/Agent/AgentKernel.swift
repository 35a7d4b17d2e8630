import Crypto
import Foundation
import GraceDSL

/// The coding agent's process as a kernel Grace derives from the grace document (`agent.enabled: true`): `grace
/// agent run` for this root and state directory, critical (never shed), restarted always, ready over sd_notify
/// and held to a watchdog of one `components.agent` heartbeat (10 s by default; 3 s at least). Its logs are captured like
/// any kernel's.
public enum AgentKernel {
    /// The kernel's name; a configuration that declares a kernel of this name keeps its own and gets no agent.
    public static let name = "grace-agent"

    /// The agent's kernel for `graph`, with the hash of what it is made from; nil when the agent is not enabled.
    public static func make(
        for graph: ExecutionGraph, executable: String, root: String, stateDirectory: String
    ) -> (kernel: Kernel, hash: String)? {
        guard let settings = graph.settings, settings.agent.enabled, graph.kernel(name) == nil else { return nil }
        let origin = SourceSpan.file("<grace: agent.enabled>")
        var kernel = Kernel(
            header: DocumentHeader(
                kind: .kernel, name: Located(name, at: origin), span: origin,
                description: "The coding agent (agent.enabled in the grace document)"))
        kernel.tier = .critical
        kernel.command = Located(
            Command([executable, "agent", "run", "--root", root, "--state-dir", stateDirectory]), at: origin)
        kernel.cwd = root
        kernel.ready = .notify
        let heartbeat = settings.componentHeartbeats["agent"] ?? .seconds(10)
        // The process pings every second from a thread of its own: a frozen or dead agent misses the period (3 s at
        // least, so that a ping late by a busy machine is not a miss).
        kernel.watchdog = max(heartbeat, .seconds(3))
        kernel.restart.mode = .always
        kernel.stop.grace = .seconds(5)
        let recipe = [
            kernel.command?.value.arguments.joined(separator: "\u{0}") ?? "", "\(heartbeat)",
            "\(settings.agent)",
        ].joined(separator: "\n")
        let hash = SHA256.hash(data: Data(recipe.utf8)).map { String(format: "%02x", $0) }.joined()
        return (kernel, hash)
    }

    /// `graph` with the agent's kernel added when the agent is enabled.
    public static func adding(
        to graph: ExecutionGraph, executable: String?, root: String, stateDirectory: String
    ) -> ExecutionGraph {
        guard let executable,
            let (kernel, hash) = make(
                for: graph, executable: executable, root: root, stateDirectory: stateDirectory)
        else { return graph }
        return graph.adding(derivedKernel: kernel, hash: hash)
    }
}
