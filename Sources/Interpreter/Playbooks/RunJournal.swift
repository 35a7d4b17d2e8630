/// Where the executor records runs and steps, before it acts on them (the runtime writes the SQLite journal).
/// The executor records only the run cases of `JournalEvent` (`runStarted`, `stepStarted`, ..., `runEscalated`).
public protocol RunJournal: Sendable {
    /// Records `event` durably; returns once it is recorded, so the action that follows it happens after.
    func record(_ event: JournalEvent) async
}
