import Foundation
import Testing

@testable import GraceAPI
@testable import Runtime

/// The pure parts of the API: the rate limiter's token bucket and the run index built from journal entries.
@Suite("API internals")
struct GraceAPIUnitTests {
    @Test("a token bucket grants its burst, then one token per 1/rate seconds, and says how long to wait")
    func bucket() {
        var bucket = TokenBucket(rate: 10, burst: 20, now: 0)
        let granted = (0..<20).filter { _ in bucket.take(now: 0) == nil }.count
        #expect(granted == 20)
        let wait = bucket.take(now: 0)
        #expect(wait.map { abs($0 - 0.1) < 1e-9 } == true)
        let afterRefill = bucket.take(now: 0.1)
        let again = bucket.take(now: 0.1)
        #expect(afterRefill == nil)
        #expect(again != nil)
        let fullSoon = bucket.isFull(now: 0.5)
        let fullLater = bucket.isFull(now: 10)
        #expect(!fullSoon)
        #expect(fullLater)
        // Refill never exceeds the burst.
        let regranted = (0..<21).filter { _ in bucket.take(now: 10) == nil }.count
        #expect(regranted == 20)
    }

    @Test("a new client waits for the slot a gone stream frees, and is refused when none frees in time")
    func waitForSlot() async throws {
        let broadcaster = EventBroadcaster(maxClients: 1, keepAliveInterval: .seconds(3600))
        let first = try #require(await broadcaster.subscribe())
        let waiting = Task { await broadcaster.subscribe(waitingUpTo: .seconds(600)) }
        var items = first.items.makeAsyncIterator()
        if case .keepAlive? = await items.next() {  // the sweep reached the open stream
        } else {
            Issue.record("expected a keep-alive")
        }
        await broadcaster.unsubscribe(first.id)  // its writer found the client gone
        let second = try #require(await waiting.value, "the freed slot was handed over")
        #expect(await broadcaster.subscribe(waitingUpTo: .milliseconds(1)) == nil, "no slot frees: refused")
        await broadcaster.unsubscribe(second.id)
        await broadcaster.close()
    }

    @Test("a sweep makes every open stream write a keep-alive, so a gone client's slot frees before its next tick")
    func sweep() async throws {
        let broadcaster = EventBroadcaster(maxClients: 1, keepAliveInterval: .seconds(3600))
        let first = try #require(await broadcaster.subscribe())
        #expect(await broadcaster.subscribe() == nil)
        await broadcaster.sweep()
        await broadcaster.sweep()  // within 250 ms of the last: nothing more is sent
        var items = first.items.makeAsyncIterator()
        if case .keepAlive? = await items.next() {
        } else {
            Issue.record("expected a keep-alive")
        }
        // What the stream's writer does when that write fails because its client has gone.
        await broadcaster.unsubscribe(first.id)
        #expect(await broadcaster.subscribe() != nil)
        await broadcaster.close()
        #expect(await items.next() == nil)
    }

    static func entry(_ id: Int64, _ kind: String, _ fields: [String: String], at seconds: Double) -> JournalEntry {
        JournalEntry(
            id: id, time: Date(timeIntervalSince1970: 1_800_000_000 + seconds), kind: kind, kernel: nil, fields: fields,
            previousHash: "", hash: "")
    }

    @Test("runs and their steps are rebuilt from the journal, with retries and failures")
    func runIndex() throws {
        var index = RunIndex(capacity: 10)
        let entries = [
            Self.entry(
                1, "run.started", ["run": "r1", "playbook": "heal", "trigger": "crashed", "arg.kernel": "api"], at: 0),
            Self.entry(
                2, "step.started", ["run": "r1", "step": "0", "name": "restart", "action": "restart", "attempt": "1"],
                at: 0.1),
            Self.entry(
                3, "step.failed", ["run": "r1", "step": "0", "name": "restart", "error": "timeout", "retry": "true"],
                at: 1),
            Self.entry(
                4, "step.started", ["run": "r1", "step": "0", "name": "restart", "action": "restart", "attempt": "2"],
                at: 2),
            Self.entry(
                5, "step.succeeded", ["run": "r1", "step": "0", "name": "restart", "detail": "restarted api"], at: 2.5),
            Self.entry(
                6, "step.skipped", ["run": "r1", "step": "1", "name": "notify", "reason": "if: false"], at: 2.6),
            Self.entry(7, "run.succeeded", ["run": "r1", "playbook": "heal"], at: 3),
            Self.entry(8, "run.started", ["run": "r2", "playbook": "other"], at: 4),
            Self.entry(9, "run.failed", ["run": "r2", "playbook": "other", "error": "no such kernel"], at: 5),
            Self.entry(10, "kernel.started", ["pid": "1"], at: 6),
        ]
        for entry in entries { index.apply(entry) }
        let run = try #require(index.run("r1"))
        #expect(run.state == "succeeded")
        #expect(run.trigger == "crashed")
        #expect(run.arguments == ["kernel": "api"])
        #expect(run.steps.map(\.index) == [0, 1])
        #expect(run.steps[0].attempts == 2)
        #expect(run.steps[0].state == "succeeded")
        #expect(run.steps[0].error == nil)
        #expect(run.steps[0].detail == "restarted api")
        #expect(run.steps[0].startedAt == entries[1].time)
        #expect(run.steps[1].state == "skipped")
        #expect(index.run("r2")?.error == "no such kernel")
        #expect(index.list(limit: 10, playbook: nil).map(\.id) == ["r2", "r1"])
        #expect(index.list(limit: 10, playbook: "heal").map(\.id) == ["r1"])
    }

    @Test("the index keeps the newest runs only")
    func capacity() {
        var index = RunIndex(capacity: 4)
        for i in 0..<20 {
            index.apply(Self.entry(Int64(i + 1), "run.started", ["run": "r\(i)", "playbook": "p"], at: Double(i)))
        }
        let ids = index.list(limit: 100, playbook: nil).map(\.id)
        #expect(ids.first == "r19")
        #expect(ids.count <= 5)
        #expect(index.run("r0") == nil)
    }
}
