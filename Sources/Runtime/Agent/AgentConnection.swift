import Foundation
import Interpreter

/// What playbook steps reach the coding agent and the configuration's history through: the agent's queue (for
/// `agent_task`) and the configuration's git work tree (for `rollback_config`).
public struct AgentConnection: Sendable {
    /// The queue in the state directory; nil when the agent is not enabled (`agent_task` steps then fail).
    public var tasks: AgentTaskStore?
    /// The configuration's work tree; nil when the root is not in a git repository.
    public var git: GitWorkTree?
    /// The configuration's directories, relative to the root (`include:` of the grace document).
    public var configurationPaths: [String]
    /// How often a waiting `agent_task` step reads its task's state.
    public var pollInterval: Duration = .milliseconds(50)

    /// A connection to `tasks` and `git`.
    public init(tasks: AgentTaskStore?, git: GitWorkTree?, configurationPaths: [String]) {
        self.tasks = tasks
        self.git = git
        self.configurationPaths = configurationPaths
    }
}

extension RuntimeActionPerformer {
    /// Queues the task (once per run and step, however often the step is retried) and waits for its outcome: the
    /// step succeeds when the change is live (watching or done) or prepared on a branch for review, and fails
    /// when the task failed, was reverted or waits for a person for another reason (a revert that conflicted). The step's `timeout` bounds the wait.
    func performAgentTask(
        kind: String, goal: String?, refactor: String?, context: [String: String], runID: String
    ) async throws -> ActionOutcome {
        guard let store = agent?.tasks, await supervisor.graph.settings?.agent.enabled == true else {
            throw ActionFailure("the coding agent is not enabled (`agent.enabled: false` in the grace document)")
        }
        var inputs = AgentTaskInputs(source: "playbook")
        inputs.goal = goal
        inputs.refactor = refactor
        inputs.run = runID
        inputs.step = "\(kind):\(goal ?? refactor ?? "")"
        inputs.kernel = context["kernel"]
        inputs.path = context["path"] ?? context["file"]
        inputs.diagnostic = context["code"]
        inputs.line = context["line"]
        inputs.signature = context["signature"]
        let task: AgentTask
        do {
            task = try store.enqueue(type: kind, inputs: inputs)
        } catch {
            throw ActionFailure("could not queue the agent task: \(error)")
        }
        while true {
            guard let current = try? store.task(task.id) else {
                throw ActionFailure("agent task \(task.id) is gone from the queue")
            }
            if current.state.answersStep {
                let what = "agent task \(current.id) \(current.state.rawValue): \(current.detail)"
                switch current.state {
                case .done, .watching: return ActionOutcome(detail: what)
                // A change prepared for review is an outcome: the playbook goes on (and can say so).
                case .needsReview where current.branch != nil: return ActionOutcome(detail: what)
                default: throw ActionFailure(what)
                }
            }
            // The task moves in the agent's process; its queue sends this one no events (the journal copy comes up to
            // 100 ms later, and waiting on the journal would not end at the step's timeout), so it is read again.
            try await clock.sleep(for: agent?.pollInterval ?? .milliseconds(50))
        }
    }

    /// Makes the configuration what it was at `revision` (`last_good`: the newest `config.known_good`), as one
    /// commit reverting everything since (uncommitted changes are stashed, not lost), then reloads.
    func performRollback(revision: String, runID: String) async throws -> ActionOutcome {
        guard let git = agent?.git else {
            throw ActionFailure("the configuration root is not in a git repository: nothing to roll back to")
        }
        var target = revision
        if revision == "last_good" || revision == "last-good" {
            guard let entry = try? journal.store.lastEntry(kind: JournalKind.configKnownGood.rawValue),
                case .configKnownGood(_, let known) = entry.event
            else {
                throw ActionFailure("no known-good revision yet (a graph must run healthy for a window first)")
            }
            target = known
        }
        let paths = agent?.configurationPaths ?? []
        let result: (commit: String?, reverted: [String], stash: String?)
        do {
            result = try await git.rollBack(
                to: target, paths: paths,
                message: "Roll the configuration back to \(target.prefix(12))\n\nGrace-Run: \(runID)", as: .grace)
        } catch {
            throw ActionFailure("rolling back to \(target.prefix(12)): \(error)")
        }
        journal.append(.configRolledBack(revision: target, reverted: result.reverted, run: runID))
        var detail = "configuration at \(target.prefix(12))"
        if !result.reverted.isEmpty { detail += ", reverting \(result.reverted.joined(separator: " "))" }
        if let stash = result.stash { detail += "; uncommitted changes stashed as \(stash.prefix(12))" }
        if result.commit == nil { detail += " (nothing differed)" }
        return ActionOutcome(detail: detail)
    }
}
