/// The API's endpoints, matched from decoded path segments. A path matches one entry per method; a path
/// that matches with another method is a 405, a path that matches nothing a 404.
public enum Endpoint: Sendable, Equatable {
    public enum KernelAction: String, Sendable, CaseIterable {
        case restart, stop, start, pause, resume
    }

    case dashboard
    case staticFile(String)
    case metrics
    case status
    case kernels
    case kernel(String)
    case kernelAction(String, KernelAction)
    case events
    case eventStream
    case runs
    case run(String)
    case playbookRun(String)
    case knowledge
    case signature(String)
    case graph
    case snapshots
    case takeSnapshot
    case restoreSnapshot(String)
    case reload
    case role
    case components
    case eventKinds

    /// The endpoints at this path, by method; nil when the path is unknown.
    public static func match(_ s: [String]) -> [String: Endpoint]? {
        switch s.count {
        case 0: return ["GET": .dashboard]
        case 1 where s[0] == "metrics": return ["GET": .metrics]
        case 2 where s[0] == "static": return ["GET": .staticFile(s[1])]
        default: break
        }
        guard s.first == "v1" else { return nil }
        let p = Array(s.dropFirst())
        switch (p.count, p.first) {
        case (1, "status"): return ["GET": .status]
        case (1, "kernels"): return ["GET": .kernels]
        case (2, "kernels"): return ["GET": .kernel(p[1])]
        case (3, "kernels"):
            guard let action = KernelAction(rawValue: p[2]) else { return nil }
            return ["POST": .kernelAction(p[1], action)]
        case (1, "events"): return ["GET": .events]
        case (2, "events") where p[1] == "stream": return ["GET": .eventStream]
        case (2, "events") where p[1] == "kinds": return ["GET": .eventKinds]
        case (1, "components"): return ["GET": .components]
        case (1, "runs"): return ["GET": .runs]
        case (2, "runs"): return ["GET": .run(p[1])]
        case (3, "playbooks") where p[2] == "run": return ["POST": .playbookRun(p[1])]
        case (1, "kb"): return ["GET": .knowledge]
        case (2, "kb"): return ["GET": .signature(p[1])]
        case (1, "graph"): return ["GET": .graph]
        case (1, "snapshots"): return ["GET": .snapshots, "POST": .takeSnapshot]
        case (3, "snapshots") where p[2] == "restore": return ["POST": .restoreSnapshot(p[1])]
        case (1, "reload"): return ["POST": .reload]
        case (1, "role"): return ["GET": .role]
        default: return nil
        }
    }
}
