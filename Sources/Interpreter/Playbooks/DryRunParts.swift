/// A performer that performs nothing and reports what each action would do: what a dry run (`grace playbook run
/// --dry-run`, the agent's gate) executes a playbook against. Every kernel counts as healthy and running.
public struct DryRunPerformer: ActionPerformer {
    /// A performer that touches nothing.
    public init() {}
    /// Succeeds with the action's summary.
    public func perform(_ action: ResolvedAction, runID: String) async throws -> ActionOutcome {
        ActionOutcome(detail: action.summary)
    }
    /// Always true.
    public func isHealthy(_ kernel: String) async -> Bool { true }
    /// Always true.
    public func isRunning(_ kernel: String) async -> Bool { true }
    /// Always true.
    public func fileExists(_ path: String) async -> Bool { true }
}

/// A run journal that keeps nothing, for dry runs.
public struct DryRunJournal: RunJournal {
    /// A journal that keeps nothing.
    public init() {}
    /// Accepts and drops the event.
    public func record(_ event: JournalEvent) async -> Bool { true }
}
