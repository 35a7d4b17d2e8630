/// Where the executor records runs and steps, before it acts on them (the runtime writes the SQLite journal).
/// The executor records only the run cases of `JournalEvent` (`runStarted`, `stepStarted`, ..., `runEscalated`).
public protocol RunJournal: Sendable {
    func record(_ event: JournalEvent) async
}
