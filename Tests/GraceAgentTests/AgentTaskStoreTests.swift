import Foundation
import Runtime
import Testing

@Suite("Agent task queue")
struct AgentTaskStoreTests {
    let directory: URL
    let store: AgentTaskStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("grace-queue-\(UUID().uuidString)")
        store = try AgentTaskStore(stateDirectory: directory)
    }

    func inputs(run: String? = nil, step: String? = nil) -> AgentTaskInputs {
        var inputs = AgentTaskInputs(source: "playbook")
        inputs.run = run
        inputs.step = step
        inputs.kernel = "api"
        return inputs
    }

    @Test func aStepAsksOnceHoweverOftenItIsPerformed() throws {
        let first = try store.enqueue(type: "diagnose", inputs: inputs(run: "r1", step: "diagnose:x"))
        let again = try store.enqueue(type: "diagnose", inputs: inputs(run: "r1", step: "diagnose:x"))
        #expect(first.id == again.id)
        let other = try store.enqueue(type: "diagnose", inputs: inputs(run: "r2", step: "diagnose:x"))
        #expect(other.id != first.id)
        // Once finished, the same step asking again (a retry after failure) gets a new task.
        try store.transition(first.id, from: [.queued], to: .failed, detail: "no")
        let retry = try store.enqueue(type: "diagnose", inputs: inputs(run: "r1", step: "diagnose:x"))
        #expect(retry.id != first.id)
    }

    @Test func transitionsAreGuardedAndRecorded() throws {
        let task = try store.enqueue(type: "fix_invalid", inputs: inputs())
        let planning = try store.transition(task.id, from: [.queued], to: .planning, detail: "p", countAttempt: true)
        #expect(planning.attempts == 1)
        #expect(throws: AgentTaskStore.Failure.self) {
            try store.transition(task.id, from: [.queued], to: .planning, detail: "twice")
        }
        try store.transition(task.id, from: [.planning], to: .committed, detail: "c", commit: "abc", summary: "s")
        let history = try store.history(of: task.id)
        #expect(history.map(\.state) == [.queued, .planning, .committed])
        #expect(history.last?.commit == "abc")
        #expect(try store.task(task.id)?.summary == "s")
        #expect(try store.commits(since: Date().addingTimeInterval(-60)) == 1)
        #expect(try store.events(after: history[0].id).count == 2)
    }

    @Test("the agent's heartbeat is recorded in the queue, the newest one kept")
    func heartbeat() throws {
        #expect(try store.lastHeartbeat() == nil)
        let first = Date(timeIntervalSince1970: 1_800_000_000)
        try store.recordHeartbeat(at: first)
        #expect(try store.lastHeartbeat() == first)
        try store.recordHeartbeat(at: first.addingTimeInterval(2.5))
        #expect(try store.lastHeartbeat() == first.addingTimeInterval(2.5))
    }

    @Test func nextPrefersWhatWasInTheMiddleThenTheOldestQueued() throws {
        let a = try store.enqueue(type: "verify", inputs: inputs())
        let b = try store.enqueue(type: "verify", inputs: inputs())
        #expect(try store.next()?.id == a.id)
        try store.transition(b.id, from: [.queued], to: .watching, detail: "w")
        #expect(try store.next()?.id == b.id)
        try store.transition(b.id, from: [.watching], to: .done, detail: "d")
        try store.transition(a.id, from: [.queued], to: .needsReview, detail: "r")
        #expect(try store.next() == nil)
    }

    @Test func pauseAndPatternsPersistAcrossOpenings() throws {
        try store.setPaused(true)
        try store.savePattern(cause: "missing-parameter:X", body: "{}", task: 1)
        try store.savePattern(cause: "missing-parameter:X", body: "{}", task: 2)
        let reopened = try AgentTaskStore(stateDirectory: directory)
        #expect(try reopened.isPaused())
        #expect(try reopened.patterns(for: "missing-parameter:X").count == 1)
        #expect(try reopened.patternCount() == 1)
    }
}
