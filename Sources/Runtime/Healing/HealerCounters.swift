import Synchronization

/// What the healer has evaluated, counted as it goes, for `/metrics` (read from any thread): the journal entries
/// it evaluated, the ones it never saw (gaps in the ids between the first and the newest it evaluated: the journal
/// numbers its entries 1, 2, 3, ..., so every committed entry of that range should have been evaluated, and a
/// trigger storm must not change that), and the log lines it evaluated.
public final class HealerCounters: Sendable {
    /// A consistent reading of the counters.
    public struct Figures: Sendable, Equatable {
        /// Journal entries the healer evaluated.
        public var journalEntries: Int
        /// Journal entries with an id between the first and the newest evaluated that the healer never saw.
        public var journalMissed: Int
        /// The newest journal entry's id evaluated (0: none yet).
        public var lastJournalID: Int64
        /// Log lines the healer evaluated.
        public var logLines: Int
        /// Log lines, samples and heartbeats dropped because the healer fell behind (by design: they are not
        /// journaled, and a newer one supersedes them); filled in by the healer.
        public var observationsDropped: Int
        /// How often the healer fell so far behind that it caught up from the journal; filled in by the healer.
        public var catchUps: Int

        /// All zero.
        public static let zero = Figures(
            journalEntries: 0, journalMissed: 0, lastJournalID: 0, logLines: 0, observationsDropped: 0, catchUps: 0)
    }

    private struct State {
        var journalEntries = 0
        var journalMissed = 0
        var lastJournalID: Int64 = 0
        var logLines = 0
    }

    private let state = Mutex(State())

    /// Counters at zero.
    public init() {}

    /// The healer evaluated the journal entry `id`.
    public func evaluatedJournalEntry(_ id: Int64) {
        state.withLock { s in
            s.journalEntries += 1
            if s.lastJournalID > 0, id > s.lastJournalID + 1 { s.journalMissed += Int(id - s.lastJournalID - 1) }
            s.lastJournalID = max(s.lastJournalID, id)
        }
    }

    /// The healer evaluated a log line.
    public func evaluatedLogLine() {
        state.withLock { $0.logLines += 1 }
    }

    /// The counters now (`observationsDropped` and `catchUps` are zero: the healer adds them).
    public var figures: Figures {
        state.withLock { s in
            Figures(
                journalEntries: s.journalEntries, journalMissed: s.journalMissed, lastJournalID: s.lastJournalID,
                logLines: s.logLines, observationsDropped: 0, catchUps: 0)
        }
    }
}
