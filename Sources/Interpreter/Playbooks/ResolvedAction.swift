import GraceDSL

/// A step's action with every template rendered: what a performer actually does. `call` never reaches a
/// performer; the executor runs the called playbook itself.
public enum ResolvedAction: Sendable, Hashable {
    case start(kernel: String)
    case stop(kernel: String, signal: Signal?, grace: Duration?)
    case restart(kernel: String, grace: Duration?)
    case pause(kernel: String)
    case resume(kernel: String)
    case signal(kernel: String, signal: Signal)
    case exec(arguments: [String], expect: Int, cwd: String?, environment: [String: String])
    case http(url: String, method: String, body: String?, headers: [String: String], expect: Int?)
    /// Waits until the kernel is healthy; the step's timeout bounds it.
    case waitHealthy(kernel: String)
    case wait(Duration)
    case snapshot(kernel: String, tag: String?)
    case restore(kernel: String, from: String)
    case verify(kernel: String)
    case shedLoad(tier: String, keep: [String])
    case restoreLoad(tier: String)
    case agentTask(kind: String, goal: String?, refactor: String?)
    case rollbackConfig(revision: String)
    case reload(target: String)
    case failover(fleet: String, to: String?)
    case quarantine(instance: String, for: Duration?)
    case notify(message: String, severity: String, webhook: String?)

    public var keyword: String {
        switch self {
        case .start: "start"
        case .stop: "stop"
        case .restart: "restart"
        case .pause: "pause"
        case .resume: "resume"
        case .signal: "signal"
        case .exec: "exec"
        case .http: "http"
        case .waitHealthy: "wait_healthy"
        case .wait: "wait"
        case .snapshot: "snapshot"
        case .restore: "restore"
        case .verify: "verify"
        case .shedLoad: "shed_load"
        case .restoreLoad: "restore_load"
        case .agentTask: "agent_task"
        case .rollbackConfig: "rollback_config"
        case .reload: "reload"
        case .failover: "failover"
        case .quarantine: "quarantine"
        case .notify: "notify"
        }
    }

    /// The kernel this action acts on, for per-kernel locks.
    public var kernel: String? {
        switch self {
        case .start(let k), .stop(let k, _, _), .restart(let k, _), .pause(let k), .resume(let k), .signal(let k, _),
            .snapshot(let k, _), .restore(let k, _), .verify(let k):
            return k
        default:
            return nil
        }
    }

    /// A one-line description for the journal and dry runs.
    public var summary: String {
        switch self {
        case .start(let k): "start \(k)"
        case .stop(let k, let s, _): "stop \(k)" + (s.map { " with \($0.name)" } ?? "")
        case .restart(let k, _): "restart \(k)"
        case .pause(let k): "pause \(k) (SIGSTOP)"
        case .resume(let k): "resume \(k) (SIGCONT)"
        case .signal(let k, let s): "send \(s.name) to \(k)"
        case .exec(let args, let expect, _, _): "exec \(args.joined(separator: " ")) (expect exit \(expect))"
        case .http(let url, let method, _, _, let expect): "\(method) \(url)" + (expect.map { " (expect \($0))" } ?? "")
        case .waitHealthy(let k): "wait until \(k) is healthy"
        case .wait(let d): "wait \(DurationParser.format(d))"
        case .snapshot(let k, let tag): "snapshot \(k)" + (tag.map { " tagged \($0)" } ?? "")
        case .restore(let k, let from): "restore \(k) from \(from)"
        case .verify(let k): "verify the data of \(k)"
        case .shedLoad(let tier, let keep): "shed \(tier) load" + (keep.isEmpty ? "" : " keeping \(keep.joined(separator: ", "))")
        case .restoreLoad(let tier): "restore \(tier) load"
        case .agentTask(let kind, let goal, _): "agent task \(kind)" + (goal.map { ": \($0)" } ?? "")
        case .rollbackConfig(let rev): "roll the configuration back to \(rev)"
        case .reload(let target): "reload \(target)"
        case .failover(let fleet, let to): "fail over \(fleet)" + (to.map { " to \($0)" } ?? "")
        case .quarantine(let instance, _): "quarantine \(instance)"
        case .notify(let message, let severity, _): "notify (\(severity)): \(message)"
        }
    }
}
