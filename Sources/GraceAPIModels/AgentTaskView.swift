import Foundation

/// One state change of an agent task, as `GET /v1/agent/tasks/{id}` lists them.
public struct AgentTaskEventView: Codable, Sendable, Equatable {
    /// The change's id (across all tasks, in order).
    public var id: Int64
    /// When.
    public var time: Date
    /// The state entered.
    public var state: String
    /// Why, or what was done.
    public var detail: String
    /// The task's commit at that point; null before there is one.
    public var commit: String?

    /// Makes an event from its parts.
    public init(id: Int64, time: Date, state: String, detail: String, commit: String?) {
        self.id = id
        self.time = time
        self.state = state
        self.detail = detail
        self.commit = commit
    }

    /// Writes every key, `null` ones included.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(time, forKey: .time)
        try c.encode(state, forKey: .state)
        try c.encode(detail, forKey: .detail)
        try c.encode(commit, forKey: .commit)
    }
}

/// A coding-agent task as `GET /v1/agent/tasks` shows it.
public struct AgentTaskView: Codable, Sendable, Equatable {
    /// Its id.
    public var id: Int64
    /// fix_invalid, repair_playbook, add_param, tune, learn_signature, diagnose, refactor or verify.
    public var type: String
    /// queued, planning, verifying, committed, watching, done, reverted, failed or needs_review.
    public var state: String
    /// Who asked: playbook, knowledge or person.
    public var source: String
    /// The goal as the asking step rendered it.
    public var goal: String?
    /// The kernel it is about.
    public var kernel: String?
    /// The playbook run that asked for it.
    public var run: String?
    /// How many times planning began.
    public var attempts: Int
    /// When it was queued.
    public var created: Date
    /// When its state last changed.
    public var updated: Date
    /// The latest state's detail.
    public var detail: String
    /// The change's one-line summary, once planned.
    public var summary: String?
    /// Its commit, once there is one.
    public var commit: String?
    /// The branch a change waiting for review is on.
    public var branch: String?
    /// Its state changes, oldest first (only for a single task).
    public var history: [AgentTaskEventView]?

    /// Makes a task view from its parts.
    public init(
        id: Int64, type: String, state: String, source: String, goal: String?, kernel: String?, run: String?,
        attempts: Int, created: Date, updated: Date, detail: String, summary: String?, commit: String?,
        branch: String?, history: [AgentTaskEventView]? = nil
    ) {
        self.id = id
        self.type = type
        self.state = state
        self.source = source
        self.goal = goal
        self.kernel = kernel
        self.run = run
        self.attempts = attempts
        self.created = created
        self.updated = updated
        self.detail = detail
        self.summary = summary
        self.commit = commit
        self.branch = branch
        self.history = history
    }

    /// Writes every key, `null` ones included (`history` only when present).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(state, forKey: .state)
        try c.encode(source, forKey: .source)
        try c.encode(goal, forKey: .goal)
        try c.encode(kernel, forKey: .kernel)
        try c.encode(run, forKey: .run)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(created, forKey: .created)
        try c.encode(updated, forKey: .updated)
        try c.encode(detail, forKey: .detail)
        try c.encode(summary, forKey: .summary)
        try c.encode(commit, forKey: .commit)
        try c.encode(branch, forKey: .branch)
        try c.encodeIfPresent(history, forKey: .history)
    }
}

/// The body of `GET /v1/agent/tasks`: the newest tasks first.
public struct AgentTasksResponse: Codable, Sendable, Equatable {
    /// The tasks.
    public var tasks: [AgentTaskView]

    /// A response listing `tasks`.
    public init(tasks: [AgentTaskView]) {
        self.tasks = tasks
    }
}
