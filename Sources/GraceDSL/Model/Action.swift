/// What a step does. Targets are kept as written (`api` or `"{{ kernel }}"`) and resolved by the compiler.
public enum Action: Sendable, Hashable {
    public enum AgentTaskKind: String, Sendable, Hashable, Codable, CaseIterable {
        case fix_invalid, add_param, tune, learn_signature, diagnose, refactor, verify, repair_playbook
    }

    public enum HTTPMethod: String, Sendable, Hashable, Codable, CaseIterable {
        case GET, POST, PUT, DELETE, PATCH, HEAD
    }

    public enum NotifySeverity: String, Sendable, Hashable, Codable, CaseIterable {
        case info, warning, critical
    }

    case start(Located<String>)
    case stop(Located<String>, signal: Signal?, grace: Duration?)
    case restart(Located<String>, grace: Duration?)
    case pause(Located<String>)
    case resume(Located<String>)
    case signal(Located<String>, send: Signal)
    case exec(Located<Command>, expect: Int, cwd: String?, env: [String: String])
    case http(url: Located<String>, method: HTTPMethod, body: Located<String>?, headers: [String: String], expect: Int?)
    case waitHealthy(Located<String>)
    case wait(Duration)
    case snapshot(Located<String>, tag: Located<String>?)
    case restore(Located<String>, from: Located<String>)
    case verify(Located<String>)
    case shedLoad(Located<String>, keep: [Located<String>])
    case restoreLoad(Located<String>)
    case agentTask(AgentTaskKind, goal: Located<String>?, refactor: Located<String>?)
    case rollbackConfig(Located<String>)
    case reload(Located<String>)
    case restartComponent(Located<String>)
    case failover(Located<String>, to: Located<String>?)
    case quarantine(Located<String>, for: Duration?)
    case notify(message: Located<String>, severity: NotifySeverity, webhook: Located<String>?)
    case call(Located<String>, with: [PlaybookArgument])

    /// The action key as written.
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
        case .call: "call"
        }
    }

    public static let keywords = [
        "start", "stop", "restart", "pause", "resume", "signal", "exec", "http", "wait_healthy", "wait", "snapshot",
        "restore", "verify", "shed_load", "restore_load", "agent_task", "rollback_config", "reload",
        "restart_component", "failover", "quarantine", "notify", "call",
    ]

    /// A reference this action makes, and the type it must have.
    public struct TargetUse: Sendable, Hashable {
        public var value: Located<String>
        public var type: TargetType
    }

    /// What a target slot accepts. Kernels also accept `grace` for `reload`, tiers accept `all` for restore.
    public enum TargetType: Sendable, Hashable {
        case value(ValueType)
        case kernelOrGrace
        /// One of Grace's own components (`GraceSettings.componentNames`).
        case component
        case tierOrAll
        case instanceOrAuto
    }

    /// Every name this action refers to, with its expected type.
    public var targets: [TargetUse] {
        switch self {
        case .start(let k), .pause(let k), .resume(let k), .waitHealthy(let k), .verify(let k),
            .snapshot(let k, _), .restore(let k, _), .stop(let k, _, _), .restart(let k, _), .signal(let k, _):
            return [TargetUse(value: k, type: .value(.kernel))]
        case .shedLoad(let tier, let keep):
            return [TargetUse(value: tier, type: .value(.tier))]
                + keep.map { TargetUse(value: $0, type: .value(.kernel)) }
        case .restoreLoad(let tier):
            return [TargetUse(value: tier, type: .tierOrAll)]
        case .reload(let k):
            return [TargetUse(value: k, type: .kernelOrGrace)]
        case .restartComponent(let c):
            return [TargetUse(value: c, type: .component)]
        case .failover(let fleet, let to):
            return [TargetUse(value: fleet, type: .value(.fleet))]
                + (to.map { [TargetUse(value: $0, type: .instanceOrAuto)] } ?? [])
        case .quarantine(let instance, _):
            return [TargetUse(value: instance, type: .value(.instance))]
        case .call(let playbook, _):
            return [TargetUse(value: playbook, type: .value(.playbook))]
        case .agentTask(_, _, let refactor):
            return refactor.map { [TargetUse(value: $0, type: .value(.string))] } ?? []
        case .exec, .http, .wait, .rollbackConfig, .notify:
            return []
        }
    }

    /// Free-text values that may contain templates (messages, URLs, commands, bodies).
    public var texts: [Located<String>] {
        switch self {
        case .exec(let command, _, _, _):
            return command.value.arguments.map { Located($0, at: command.span) }
        case .http(let url, _, let body, let headers, _):
            return [url] + (body.map { [$0] } ?? []) + headers.values.sorted().map { Located($0, at: url.span) }
        case .notify(let message, _, let webhook):
            return [message] + (webhook.map { [$0] } ?? [])
        case .agentTask(_, let goal, _):
            return goal.map { [$0] } ?? []
        case .rollbackConfig(let rev):
            return [rev]
        case .snapshot(_, let tag):
            return tag.map { [$0] } ?? []
        default:
            return []
        }
    }
}
