import Foundation
import GraceAPIModels
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Runtime
import Testing

@testable import GraceAPI

/// `/v1/agent`, `/v1/agent/tasks` and `/v1/agent/tasks/{id}` in-process, over a real queue in a temporary
/// directory whose tasks are queued and moved through the store's own API.
@Suite("API: the coding agent's queue", .timeLimit(.minutes(5)))
struct AgentRoutesTests {
    /// A queue with three tasks: #1 done with a commit, #2 failed, #3 still queued; two learned patterns.
    static func queue() throws -> AgentTaskStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grace-agent-api-\(UUID())")
        let store = try AgentTaskStore(stateDirectory: directory)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var fix = AgentTaskInputs(source: "playbook")
        fix.kernel = "api"
        fix.goal = "fix api's config"
        fix.run = "r-1"
        fix.step = "ask"
        let first = try store.enqueue(type: "fix_invalid", inputs: fix, at: start)
        try store.transition(first.id, from: [.queued], to: .planning, detail: "planning", at: start + 1)
        try store.transition(
            first.id, from: [.planning], to: .committed, detail: "set port", commit: "0123456789abcdef",
            summary: "api: port 8080", at: start + 2)
        try store.transition(first.id, from: [.committed], to: .done, detail: "it held", at: start + 3)
        let second = try store.enqueue(type: "diagnose", inputs: AgentTaskInputs(), at: start + 4)
        try store.transition(
            second.id, from: [.queued], to: .failed, detail: "no change passed the gate", at: start + 5)
        try store.enqueue(type: "tune", inputs: AgentTaskInputs(source: "knowledge"), at: start + 6)
        try store.savePattern(cause: "G106", body: "a", task: first.id)
        try store.savePattern(cause: "G107", body: "b", task: first.id)
        return store
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try APIJSON.decoder().decode(type, from: Data(buffer: response.body))
    }

    @Test("the list is newest first, limited, filtered by state; every documented key is present")
    func list() async throws {
        let f = try await APIRouterTests.fixture(agentTasks: try Self.queue())
        try await f.run { client in
            try await client.execute(uri: "/v1/agent/tasks", method: .get) { response in
                #expect(response.status == .ok)
                let tasks = try Self.decode(AgentTasksResponse.self, response).tasks
                #expect(tasks.map(\.id) == [3, 2, 1])
                #expect(tasks.map(\.state) == ["queued", "failed", "done"])
                #expect(tasks[2].commit == "0123456789abcdef")
                #expect(tasks[2].summary == "api: port 8080")
                #expect(tasks[2].kernel == "api" && tasks[2].run == "r-1" && tasks[2].source == "playbook")
                #expect(tasks.allSatisfy { $0.history == nil }, "the list carries no history")
                let text = String(buffer: response.body)
                #expect(text.contains("\"commit\":null") && text.contains("\"branch\":null"))
                #expect(!text.contains("\"history\""))
            }
            try await client.execute(uri: "/v1/agent/tasks?limit=1", method: .get) { response in
                let decoded = try Self.decode(AgentTasksResponse.self, response)
                #expect(decoded.tasks.map(\.id) == [3])
            }
            try await client.execute(uri: "/v1/agent/tasks?state=done", method: .get) { response in
                let decoded = try Self.decode(AgentTasksResponse.self, response)
                #expect(decoded.tasks.map(\.id) == [1])
            }
            try await client.execute(uri: "/v1/agent/tasks?state=queued,failed", method: .get) { response in
                let decoded = try Self.decode(AgentTasksResponse.self, response)
                #expect(decoded.tasks.map(\.id) == [3, 2])
            }
            try await client.execute(uri: "/v1/agent/tasks?state=needs_review", method: .get) { response in
                let decoded = try Self.decode(AgentTasksResponse.self, response)
                #expect(decoded.tasks.isEmpty)
            }
            for bad in ["state=nope", "limit=0", "limit=501", "state=done&state=failed"] {
                try await client.execute(uri: "/v1/agent/tasks?\(bad)", method: .get) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                    let decoded = try Self.decode(ErrorResponse.self, response)
                    #expect(decoded.error.code == "bad_request")
                }
            }
        }
    }

    @Test("one task comes with its history, oldest first; an unknown id is 404 in the error envelope")
    func one() async throws {
        let f = try await APIRouterTests.fixture(agentTasks: try Self.queue())
        try await f.run { client in
            try await client.execute(uri: "/v1/agent/tasks/1", method: .get) { response in
                #expect(response.status == .ok)
                let task = try Self.decode(AgentTaskView.self, response)
                #expect(task.type == "fix_invalid" && task.state == "done" && task.detail == "it held")
                let history = try #require(task.history)
                #expect(history.map(\.state) == ["queued", "planning", "committed", "done"])
                #expect(history[0].commit == nil && history[2].commit == "0123456789abcdef")
                #expect(history.map(\.time) == history.map(\.time).sorted())
            }
            for unknown in ["99", "0", "x", "-1"] {
                try await client.execute(uri: "/v1/agent/tasks/\(unknown)", method: .get) { response in
                    #expect(response.status == .notFound, "\(unknown)")
                    let decoded = try Self.decode(ErrorResponse.self, response)
                    #expect(decoded.error.code == "not_found")
                }
            }
            try await client.execute(uri: "/v1/agent/tasks/1", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
            }
        }
    }

    @Test("the agent's summary: paused, learned patterns, open tasks")
    func summary() async throws {
        let store = try Self.queue()
        let f = try await APIRouterTests.fixture(agentTasks: store)
        try await f.run { client in
            try await client.execute(uri: "/v1/agent", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"tasks_open\":1"))
                let status = try Self.decode(AgentStatusView.self, response)
                #expect(status == AgentStatusView(paused: false, patterns: 2, tasksOpen: 1))
            }
        }
        try store.setPaused(true)
        try await f.run { client in
            try await client.execute(uri: "/v1/agent", method: .get) { response in
                let decoded = try Self.decode(AgentStatusView.self, response)
                #expect(decoded.paused)
            }
        }
    }

    @Test("without a queue every agent route answers 503 in the error envelope")
    func unavailable() async throws {
        let f = try await APIRouterTests.fixture()
        try await f.run { client in
            for path in ["/v1/agent", "/v1/agent/tasks", "/v1/agent/tasks/1"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .serviceUnavailable, "\(path)")
                    let decoded = try Self.decode(ErrorResponse.self, response)
                    #expect(decoded.error.code == "unavailable")
                }
            }
        }
    }
}
