import GraceDSL

/// A step's action with every template rendered: what a performer actually does. `call` never reaches a
/// performer; the executor runs the called playbook itself.
public enum ResolvedAction: Sendable, Hashable {
    /// Start a stopped (or given-up) kernel.
    case start(kernel: String)
    /// Stop a kernel; `signal` and `grace` override its own stop settings when given.
    case stop(kernel: String, signal: Signal?, grace: Duration?)
    /// Stop and start a kernel; `grace` overrides its stop grace period when given.
    case restart(kernel: String, grace: Duration?)
    /// Freeze a kernel's process group with SIGSTOP.
    case pause(kernel: String)
    /// Thaw a paused kernel with SIGCONT.
    case resume(kernel: String)
    /// Send a signal to a kernel's process group.
    case signal(kernel: String, signal: Signal)
    /// Run a program (no shell; `arguments[0]` is the program); it succeeds when it exits with `expect`.
    case exec(arguments: [String], expect: Int, cwd: String?, environment: [String: String])
    /// Make an HTTP request; with `expect` only that status succeeds, without it any 2xx.
    case http(url: String, method: String, body: String?, headers: [String: String], expect: Int?)
    /// Waits until the kernel is healthy; the step's timeout bounds it.
    case waitHealthy(kernel: String)
    /// Sleep; the executor does this itself on its own clock, so a performer never sees it.
    case wait(Duration)
    /// Snapshot a kernel's `data` paths, with an optional tag.
    case snapshot(kernel: String, tag: String?)
    /// Put a kernel's data back from a snapshot: `latest`, `last_good` or a snapshot id (or a unique prefix).
    case restore(kernel: String, from: String)
    /// Check a kernel's data against its newest snapshot; fails when a file differs or is missing.
    case verify(kernel: String)
    /// Pause the kernels of `tier` (`background` or `standard`, with the tiers below), except `keep`; critical
    /// kernels are never shed.
    case shedLoad(tier: String, keep: [String])
    /// Resume the kernels `shed_load` paused in `tier`, or in every tier for `all`.
    case restoreLoad(tier: String)
    /// Hand a task to the coding agent and wait for its outcome; `context` is the run's values (its arguments and
    /// `run.*`), from which the task's inputs (kernel, path, code, line, signature) are taken.
    case agentTask(kind: String, goal: String?, refactor: String?, context: [String: String])
    /// Go back to `last_good` (the newest known-good revision) or a git revision of the configuration.
    case rollbackConfig(revision: String)
    /// `grace`: recompile and apply the configuration; a kernel's name: send it SIGHUP.
    case reload(target: String)
    /// Cancel one of Grace's own components and start it again (the agent: its process too), unless it was
    /// restarted moments ago; the root's supervision limits apply.
    case restartComponent(name: String)
    /// Move a fleet's lease to another member. Not in this build.
    case failover(fleet: String, to: String?)
    /// Take a fleet member out of service for a while. Not in this build.
    case quarantine(instance: String, for: Duration?)
    /// Journal a message for the operator (`info`, `warning`, `critical`), and post it to `webhook` if given.
    case notify(message: String, severity: String, webhook: String?)

    /// The action's DSL keyword (`wait_healthy`, `shed_load`, ...), as journaled in `step.started`.
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
        case .restartComponent: "restart_component"
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
        case .stop(let k, let s, let grace):
            "stop \(k)" + (s.map { " with \($0.name)" } ?? "")
                + (grace.map { ", SIGKILL after \(DurationParser.format($0))" } ?? "")
        case .restart(let k, let grace):
            "restart \(k)" + (grace.map { " (SIGKILL after \(DurationParser.format($0)))" } ?? "")
        case .pause(let k): "pause \(k) (SIGSTOP)"
        case .resume(let k): "resume \(k) (SIGCONT)"
        case .signal(let k, let s): "send \(s.name) to \(k)"
        case .exec(let args, let expect, let cwd, let environment):
            "exec \(args.joined(separator: " "))" + (cwd.map { " in \($0)" } ?? "")
                + (environment.isEmpty
                    ? ""
                    : " with "
                        + environment.keys.sorted().map { "\($0)=\(environment[$0] ?? "")" }.joined(separator: " "))
                + " (expect exit \(expect))"
        case .http(let url, let method, _, _, let expect): "\(method) \(url)" + (expect.map { " (expect \($0))" } ?? "")
        case .waitHealthy(let k): "wait until \(k) is healthy"
        case .wait(let d): "wait \(DurationParser.format(d))"
        case .snapshot(let k, let tag): "snapshot \(k)" + (tag.map { " tagged \($0)" } ?? "")
        case .restore(let k, let from): "restore \(k) from \(from)"
        case .verify(let k): "verify the data of \(k)"
        case .shedLoad(let tier, let keep):
            "shed \(tier) load" + (keep.isEmpty ? "" : " keeping \(keep.joined(separator: ", "))")
        case .restoreLoad(let tier): "restore \(tier) load"
        case .agentTask(let kind, let goal, _, _): "agent task \(kind)" + (goal.map { ": \($0)" } ?? "")
        case .rollbackConfig(let rev): "roll the configuration back to \(rev)"
        case .reload(let target): "reload \(target)"
        case .restartComponent(let name): "restart component \(name)"
        case .failover(let fleet, let to): "fail over \(fleet)" + (to.map { " to \($0)" } ?? "")
        case .quarantine(let instance, _): "quarantine \(instance)"
        case .notify(let message, let severity, _): "notify (\(severity)): \(message)"
        }
    }
}
