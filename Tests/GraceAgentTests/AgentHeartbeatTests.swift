import Foundation
import Runtime
import Testing

@testable import GraceAgent

@Suite("Agent heartbeat", .timeLimit(.minutes(5)))
struct AgentHeartbeatTests {
    @Test("each turn of the agent's loop records its heartbeat in the queue, at most one write a second")
    func beatRecords() async throws {
        let tree = try await AgentTestTree()
        let worker = tree.worker()
        #expect(try tree.store.lastHeartbeat() == nil)
        let before = Date()
        await worker.beat()
        let first = try #require(try tree.store.lastHeartbeat())
        #expect(abs(first.timeIntervalSince(before)) < 60)
        await worker.beat()
        if Date().timeIntervalSince(before) < 1 {
            #expect(try tree.store.lastHeartbeat() == first, "a second turn within a second writes nothing")
        }
    }
}
