import Runtime
import Testing

/// The healer's own account of what it evaluated, which `/metrics` serves and bench/campaign/storm.py checks.
@Suite("Healer counters")
struct HealerCountersTests {
    @Test("consecutive journal ids are evaluated without a miss; a gap counts every id skipped")
    func gaps() {
        let counters = HealerCounters()
        // A healer starts on a journal that already has entries: its first id is not a gap.
        for id in Int64(41)...50 { counters.evaluatedJournalEntry(id) }
        #expect(counters.figures.journalEntries == 10)
        #expect(counters.figures.journalMissed == 0)
        #expect(counters.figures.lastJournalID == 50)
        counters.evaluatedJournalEntry(54)
        #expect(counters.figures.journalMissed == 3)
        #expect(counters.figures.lastJournalID == 54)
        counters.evaluatedLogLine()
        counters.evaluatedLogLine()
        #expect(counters.figures.logLines == 2)
    }
}
