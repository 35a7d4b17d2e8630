import Foundation
import GraceDSL

/// Where a coding-agent task is in its life. Every change is a row of the task's history and a journal entry.
///
/// `queued -> planning -> verifying -> committed -> watching -> done`, or `reverted` when what it touched got
/// worse in the watch window, `failed` when no planner found a change that passed the gate, `needs_review` when
/// the change waits on a branch for `grace agent approve` (or a person must look: a revert that conflicted).
public enum AgentTaskState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for the agent.
    case queued
    /// Planners are proposing changes (nothing has been written).
    case planning
    /// A change is being checked by the gate (still nothing written to the tree).
    case verifying
    /// The change is committed; the reload follows.
    case committed
    /// Reloaded; the kernels it touched are watched for the window.
    case watching
    /// Finished: committed and it held, or nothing needed changing (the detail says which).
    case done
    /// Its commit was reverted because what it touched got worse; the evidence is in the detail.
    case reverted
    /// No change passed the gate, or the task could not be carried out; the detail says why.
    case failed
    /// Waits for a person: a change prepared on a branch for `grace agent approve`, or a revert that conflicted.
    case needsReview = "needs_review"

    /// No more work will be done on the task by itself.
    public var isFinal: Bool { self == .done || self == .reverted || self == .failed }

    /// An `agent_task` step stops waiting: the task ended, waits for a person, or its change is live.
    public var answersStep: Bool { isFinal || self == .needsReview || self == .watching }
}

/// What a task was asked with. Every field is optional; each task type documents the ones it reads.
public struct AgentTaskInputs: Sendable, Hashable, Codable {
    /// The goal as the asking step rendered it.
    public var goal: String?
    /// The kernel it is about.
    public var kernel: String?
    /// The error signature (knowledge-base id or template) that caused it.
    public var signature: String?
    /// A log line that shows the problem.
    public var line: String?
    /// The diagnostic code that caused it (`G106`).
    public var diagnostic: String?
    /// The configuration file it is about (relative to the root).
    public var path: String?
    /// The refactor intent it carries out (`refactor` tasks).
    public var refactor: String?
    /// The value a refactor asks for: `rename`'s new name, a measured figure for `tune`.
    public var value: String?
    /// The playbook run that asked for it, and its step.
    public var run: String?
    /// See `run`.
    public var step: String?
    /// Who asked: `playbook`, `knowledge`, `person`.
    public var source: String

    /// Inputs from `source`, everything else empty.
    public init(source: String = "person") {
        self.source = source
    }
}

/// One task of the coding agent's queue, as the store holds it.
public struct AgentTask: Sendable, Hashable, Codable {
    /// Its id, 1, 2, 3... in the order tasks were queued.
    public var id: Int64
    /// Its type: one of `Action.AgentTaskKind` (`fix_invalid`, `diagnose`, ...).
    public var type: String
    /// Where it is.
    public var state: AgentTaskState
    /// What it was asked with.
    public var inputs: AgentTaskInputs
    /// How many times the agent began planning it (a crash mid-planning starts it again).
    public var attempts: Int
    /// When it was queued.
    public var created: Date
    /// When its state last changed.
    public var updated: Date
    /// The latest state's detail: what was changed and why, or why not.
    public var detail: String
    /// The commit made for it, once there is one.
    public var commit: String?
    /// The branch its change waits on (`approval: review`).
    public var branch: String?
    /// When its watch window ends (state `watching`).
    public var watchUntil: Date?
    /// The change's summary (what the commit says), once planned.
    public var summary: String?
    /// Where the watch window starts, as the agent recorded it (its own encoding), so that a restarted agent
    /// watches from the same point.
    public var watchMark: String?
    /// The files its change edits (paths relative to the root), once planned.
    public var files: [String]

    /// A task as stored.
    public init(
        id: Int64, type: String, state: AgentTaskState, inputs: AgentTaskInputs, attempts: Int, created: Date,
        updated: Date, detail: String, commit: String? = nil, branch: String? = nil, watchUntil: Date? = nil,
        summary: String? = nil, watchMark: String? = nil, files: [String] = []
    ) {
        self.watchMark = watchMark
        self.files = files
        self.id = id
        self.type = type
        self.state = state
        self.inputs = inputs
        self.attempts = attempts
        self.created = created
        self.updated = updated
        self.detail = detail
        self.commit = commit
        self.branch = branch
        self.watchUntil = watchUntil
        self.summary = summary
    }
}

/// One state change of a task, in the order they happened (ids 1, 2, 3... across all tasks).
public struct AgentTaskEvent: Sendable, Hashable, Codable {
    /// The event's id; the journal records up to which id it has copied.
    public var id: Int64
    /// The task.
    public var task: Int64
    /// When.
    public var time: Date
    /// The state entered.
    public var state: AgentTaskState
    /// Why, or what was done.
    public var detail: String
    /// The task's commit at that point.
    public var commit: String?

    /// An event as stored.
    public init(id: Int64, task: Int64, time: Date, state: AgentTaskState, detail: String, commit: String?) {
        self.id = id
        self.task = task
        self.time = time
        self.state = state
        self.detail = detail
        self.commit = commit
    }
}
