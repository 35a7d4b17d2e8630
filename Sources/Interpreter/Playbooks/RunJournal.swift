/// Where the executor records runs and steps, before it acts on them (the runtime writes the SQLite journal).
/// The executor records only the run cases of `JournalEvent` (`runStarted`, `stepStarted`, ..., `runEscalated`).
public protocol RunJournal: Sendable {
    /// Records `event` durably; returns once it is recorded, so the action that follows it happens after. False when
    /// it could not be recorded now (the journal is unwritable): the executor then does not act.
    @discardableResult func record(_ event: JournalEvent) async -> Bool
}
