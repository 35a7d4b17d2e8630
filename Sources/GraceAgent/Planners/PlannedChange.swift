import ConfigRepair
import GraceDSL
import Runtime

/// A change a planner proposes for a task, with what the gate needs to judge it beyond the change itself.
public struct PlannedChange: Sendable {
    /// The edits and their summary.
    public var change: ConfigChange
    /// Why, line by line (what the planner saw), for the commit message and the task's detail.
    public var reasons: [String]
    /// `auto` commits when the gate passes; `review` prepares the commit on a branch for `grace agent approve`.
    public var approval: RefactorIntent.Approval = .auto
    /// Commands to run beside `agent.verify` (a refactor intent's `verify`).
    public var verify: [[String]] = []
    /// The refactor intent it carries out, if any (its `bounds` were applied by the planner).
    public var intent: String?
    /// What to remember if the change holds through its watch window: a learned pattern's cause and body.
    public var pattern: (cause: String, body: String)?
    /// The planner's name, for the journal and the commit's trailer.
    public var planner: String
    /// How far back the gate replays a change to a trigger (a `tune` intent's `from.window`); the gate's default
    /// when nil.
    public var replayWindow: Duration?

    /// A change by `planner`, because of `reasons`.
    public init(change: ConfigChange, reasons: [String], planner: String) {
        self.change = change
        self.reasons = reasons
        self.planner = planner
    }
}

/// What a planner sees: the task and the tree as it is now.
public struct PlanningContext: Sendable {
    /// The task.
    public var task: AgentTask
    /// The files as on disk.
    public var files: [SourceFile]
    /// Their compilation.
    public var compiled: CompiledTree
    /// The configuration's git work tree, when there is one.
    public var git: GitWorkTree?
    /// The newest known-good revision from Grace's journal, if any.
    public var knownGood: String?
    /// Learned patterns (cause -> bodies) the planners may use.
    public var patterns: @Sendable (String) -> [(id: Int64, body: String)]
}

/// Proposes changes for some task types; tried in the agent's order, every proposal behind the same gate.
public protocol TaskPlanner: Sendable {
    /// Its name, as the journal and commits show it.
    var name: String { get }
    /// Changes for `context.task`, best first; empty when it has nothing to offer.
    func plan(_ context: PlanningContext) async -> [PlannedChange]
}
