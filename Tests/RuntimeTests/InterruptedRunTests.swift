import Interpreter
import Runtime
import Testing

/// Which runs a new Grace retries after a crash, from the journal alone. Found by the kill -9 campaign
/// (bench/campaign/kill9.py): every later start retried a run again, so `ID-retry` started once per restart.
@Suite("Interrupted runs in the journal")
struct InterruptedRunJournalTests {
    private static func journal(_ events: [JournalEvent]) throws -> [JournalEntry] {
        let store = try StateStore.inMemoryForTesting()
        return try store.append(events)
    }

    private static func started(_ run: String, parent: String? = nil) -> JournalEvent {
        .runStarted(run: run, playbook: "heal", trigger: "crashed", arguments: ["kernel": "api"], parent: parent)
    }

    @Test("an unfinished run is retried with its playbook, trigger and arguments")
    func unfinished() throws {
        let entries = try Self.journal([
            Self.started("r1"), Self.started("r2"), .runSucceeded(run: "r2", playbook: "heal"),
            Self.started("r3"), .runFailed(run: "r3", playbook: "heal", error: "boom"),
            Self.started("r4"), .runSuperseded(run: "r4", playbook: "heal", by: "r5", reason: "cause"),
        ])
        let found = InterruptedRun.find(in: entries)
        #expect(found.map(\.run) == ["r1"])
        #expect(found.first?.playbook == "heal")
        #expect(found.first?.trigger == "crashed")
        #expect(found.first?.arguments == ["kernel": "api"])
        #expect(found.first?.action == .retry)
    }

    @Test("a run whose retry has started is not retried again, after any number of later crashes")
    func retriedOnce() throws {
        // Grace 1 left r1 open; Grace 2 started r1-retry and finished it; Grace 3 must find nothing to do.
        let finished = try Self.journal([
            Self.started("r1"), .runInterrupted(run: "r1", playbook: "heal", action: "retry"),
            Self.started("r1-retry"), .runSucceeded(run: "r1-retry", playbook: "heal"),
        ])
        #expect(InterruptedRun.find(in: finished).isEmpty)
        // Grace 2 was killed during r1-retry: only r1-retry is retried, as r1-retry-retry.
        let open = try Self.journal([Self.started("r1"), Self.started("r1-retry")])
        #expect(InterruptedRun.find(in: open).map(\.run) == ["r1-retry"])
        #expect(InterruptedRun.find(in: open).map { InterruptedRun.retryID(of: $0.run) } == ["r1-retry-retry"])
    }

    @Test("a run retried twice is abandoned once, then never looked at again")
    func abandoned() throws {
        let twice = try Self.journal([Self.started("r1"), Self.started("r1-retry"), Self.started("r1-retry-retry")])
        #expect(InterruptedRun.find(in: twice).map(\.action) == [.abandon])
        let after = try Self.journal([
            Self.started("r1"), Self.started("r1-retry"), Self.started("r1-retry-retry"),
            .runAbandoned(run: "r1-retry-retry", playbook: "heal"),
        ])
        #expect(InterruptedRun.find(in: after).isEmpty)
    }

    @Test("a crash between run.interrupted and the retry's start retries the run again")
    func interruptedNotStarted() throws {
        let entries = try Self.journal([
            Self.started("r1"), .runInterrupted(run: "r1", playbook: "heal", action: "retry"),
        ])
        #expect(InterruptedRun.find(in: entries).map(\.run) == ["r1"])
    }

    @Test("child runs (escalations, calls) are left to their parent")
    func children() throws {
        let entries = try Self.journal([Self.started("r1"), Self.started("r1.1", parent: "r1")])
        #expect(InterruptedRun.find(in: entries).map(\.run) == ["r1"])
    }
}
