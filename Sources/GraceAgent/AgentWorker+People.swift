import ConfigRepair
import Foundation
import GraceDSL
import Interpreter
import Logging
import Runtime

/// What people do to the agent's work: approve a change waiting for review, revert a change by hand.
extension AgentWorker {
    /// Approves a task waiting for review: its branch's commit is applied to HEAD, reloaded and watched.
    public func approve(_ id: Int64) async throws {
        guard let task = try store.task(id) else { throw AgentTaskStore.Failure.noSuchTask(id) }
        guard task.state == .needsReview, let branch = task.branch, let git else {
            throw AgentTaskStore.Failure.wrongState(id, task.state, expected: [.needsReview])
        }
        let commit = try await git.cherryPick(branch, as: .agent)
        let updated = try store.transition(
            id, from: [.needsReview], to: .committed, detail: "approved; applied as \(commit.prefix(12))",
            commit: commit)
        try await reloadAndWatch(updated)
    }

    /// Reverts a finished task's commit by hand (`grace agent revert ID`).
    public func revertByHand(_ id: Int64) async throws {
        guard let task = try store.task(id) else { throw AgentTaskStore.Failure.noSuchTask(id) }
        guard let git, let commit = task.commit, task.state == .done || task.state == .watching else {
            throw AgentTaskStore.Failure.wrongState(id, task.state, expected: [.done, .watching])
        }
        let revert = try await git.revert(
            commit, trailers: ["Grace-Task: \(id)", "Grace-Revert-Reason: by hand"], as: .agent)
        let answer = await reload()
        try store.transition(
            id, from: [.done, .watching], to: .reverted,
            detail: "reverted by \(revert.prefix(12)): asked by a person (reload: \(answer.message))")
    }
}
