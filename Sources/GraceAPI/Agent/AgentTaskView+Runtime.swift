import GraceAPIModels
import Runtime

extension AgentTaskView {
    /// The view of a task as the queue holds it.
    public init(_ task: AgentTask) {
        self.init(
            id: task.id, type: task.type, state: task.state.rawValue, source: task.inputs.source,
            goal: task.inputs.goal,
            kernel: task.inputs.kernel, run: task.inputs.run, attempts: task.attempts, created: task.created,
            updated: task.updated, detail: task.detail, summary: task.summary, commit: task.commit, branch: task.branch)
    }
}

extension AgentTaskEventView {
    /// The view of one state change.
    public init(_ event: AgentTaskEvent) {
        self.init(
            id: event.id, time: event.time, state: event.state.rawValue, detail: event.detail, commit: event.commit)
    }
}
