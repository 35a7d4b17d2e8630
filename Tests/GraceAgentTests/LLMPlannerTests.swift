import ConfigRepair
import Foundation
import GraceDSL
import Runtime
import Testing

@testable import GraceAgent

/// The language-model planner against a scripted OpenAI-compatible server on loopback.
@Suite("LLMPlanner")
struct LLMPlannerTests {
    static let kernels = """
        # the service kernels
        kind: kernel
        name: web
        command: [/bin/sleep, "1000"]
        env:
          LOG_LEVEL: info   # keep
        ---
        kind: kernel
        name: store
        command: [/bin/sleep, "1000"]

        """

    static func grace(endpoint: String, planner: String = "llm") -> String {
        """
        kind: grace
        name: test
        agent:
          enabled: true
          planner: \(planner)
          endpoint: \(endpoint)
          model: test-model
          may_change: [kernel]

        """
    }

    static func files(endpoint: String, planner: String = "llm") -> [SourceFile] {
        [
            SourceFile(path: "config/grace.yaml", text: grace(endpoint: endpoint, planner: planner)),
            SourceFile(path: "config/kernels.yaml", text: kernels),
        ]
    }

    static func context(_ files: [SourceFile]) -> PlanningContext {
        var inputs = AgentTaskInputs(source: "playbook")
        inputs.kernel = "web"
        inputs.line = "missing required configuration parameter API_REGION"
        inputs.goal = "web starts"
        let task = AgentTask(
            id: 7, type: "diagnose", state: .planning, inputs: inputs, attempts: 1, created: Date(), updated: Date(),
            detail: "planning")
        return PlanningContext(
            task: task, files: files,
            compiled: CompiledTree(files: files, options: CompilerOptions(checkExecutables: false)), git: nil,
            knownGood: nil, patterns: { _ in [] })
    }

    static func answer(_ edits: [[String: Any]], summary: String = "set API_REGION for web") -> String {
        let object: [String: Any] = ["summary": summary, "edits": edits]
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static var addRegion: [String: Any] {
        [
            "file": "config/kernels.yaml", "operation": "add_key", "path": [0, "env"], "key": "API_REGION",
            "value": "eu-1",
        ]
    }

    @Test("the request carries the model, a system and a user message, temperature 0 and the grace_edit schema")
    func requestBody() async throws {
        let server = try await ScriptedChatServer.answering(content: Self.answer([Self.addRegion]))
        defer { Task { await server.stop() } }
        let planner = LLMPlanner(environment: [:])
        _ = await planner.plan(Self.context(Self.files(endpoint: server.endpoint)))
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.uri == "/v1/chat/completions")
        #expect(request.headers["authorization"] == nil)
        #expect(request.headers["content-type"] == "application/json")
        let body = try #require(request.json)
        #expect(body["model"] as? String == "test-model")
        #expect(body["temperature"] as? Double == 0)
        let messages = try #require(body["messages"] as? [[String: Any]])
        #expect(messages.map { $0["role"] as? String } == ["system", "user"])
        let user = try #require(messages.last?["content"] as? String)
        #expect(user.contains("Task: diagnose"))
        #expect(user.contains("Kernel: web"))
        #expect(user.contains("API_REGION"))
        #expect(user.contains("=== config/kernels.yaml (documents: 0 kernel web, 1 kernel store)"))
        let format = try #require(body["response_format"] as? [String: Any])
        #expect(format["type"] as? String == "json_schema")
        let schema = try #require(format["json_schema"] as? [String: Any])
        #expect(schema["name"] as? String == "grace_edit")
        #expect(schema["strict"] as? Bool == true)
        let properties = try #require((schema["schema"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(Set(properties.keys) == ["summary", "edits"])
        let edit = try #require(((properties["edits"] as? [String: Any])?["items"] as? [String: Any]))
        #expect((edit["required"] as? [String]) == ["file", "operation", "path", "key", "value"])
    }

    @Test("the API key from GRACE_LLM_API_KEY is sent as a bearer token")
    func bearerKey() async throws {
        let server = try await ScriptedChatServer.answering(content: Self.answer([Self.addRegion]))
        defer { Task { await server.stop() } }
        let planner = LLMPlanner(environment: ["GRACE_LLM_API_KEY": "sk-test-123"])
        _ = await planner.plan(Self.context(Self.files(endpoint: server.endpoint)))
        #expect(server.requests.first?.headers["authorization"] == "Bearer sk-test-123")
    }

    @Test("a valid structured edit becomes one reviewed change whose edits apply, keep comments and reparse")
    func validEdit() async throws {
        let second: [String: Any] = [
            "file": "config/kernels.yaml", "operation": "append_item", "path": [1, "command"], "key": NSNull(),
            "value": "2000",
        ]
        let server = try await ScriptedChatServer.answering(content: Self.answer([Self.addRegion, second]))
        defer { Task { await server.stop() } }
        let files = Self.files(endpoint: server.endpoint)
        let planner = LLMPlanner(environment: [:])
        let planned = await planner.plan(Self.context(files))
        #expect(planner.lastError == nil)
        let change = try #require(planned.first)
        #expect(planned.count == 1)
        #expect(change.planner == "llm")
        #expect(change.change.origin == .llm)
        #expect(change.approval == .review)
        #expect(change.change.summary == "set API_REGION for web")
        #expect(change.change.files == ["config/kernels.yaml"])
        let after = try files.applying(change.change.edits)
        let text = try #require(after.first { $0.path == "config/kernels.yaml" }?.text)
        #expect(text.contains("# the service kernels"))
        #expect(text.contains("LOG_LEVEL: info   # keep"))
        #expect(text.contains("API_REGION: eu-1"))
        let editor = try YAMLEditor(SourceFile(path: "config/kernels.yaml", text: text))
        #expect(editor.documents[0].root?["env"]?["API_REGION"]?.text == "eu-1")
        #expect(editor.documents[1].root?["command"]?.sequence?.last?.text == "2000")
        let compiled = CompiledTree(files: after, options: CompilerOptions(checkExecutables: false))
        #expect(compiled.compiles)
    }

    /// An unusable answer and the reason it gives.
    struct Bad: Sendable, CustomTestStringConvertible {
        var name: String
        var status: Int
        var body: String
        var reason: String
        var testDescription: String { name }
    }

    static let bad: [Bad] = [
        Bad(
            name: "unknown file", status: 200,
            body: ScriptedChatServer.completion(
                content: answer([
                    [
                        "file": "/etc/passwd", "operation": "set", "path": [0, "name"], "key": NSNull(),
                        "value": "x",
                    ]
                ])), reason: "/etc/passwd is not one of the configuration's files"),
        Bad(
            name: "bad path", status: 200,
            body: ScriptedChatServer.completion(
                content: answer([
                    [
                        "file": "config/kernels.yaml", "operation": "set", "path": [0, "nosuch", "key"],
                        "key": NSNull(), "value": "x",
                    ]
                ])), reason: "no node at #0.nosuch.key"),
        Bad(
            name: "unknown operation", status: 200,
            body: ScriptedChatServer.completion(
                content: answer([
                    [
                        "file": "config/kernels.yaml", "operation": "replace_text", "path": [0],
                        "key": NSNull(), "value": "x",
                    ]
                ])), reason: "unknown operation `replace_text`"),
        Bad(
            name: "a value that is not a string", status: 200,
            body: ScriptedChatServer.completion(
                content: answer([
                    [
                        "file": "config/kernels.yaml", "operation": "append_item", "path": [0, "command"],
                        "key": NSNull(), "value": ["a": "b"],
                    ]
                ])), reason: "is not a grace_edit"),
        Bad(
            name: "more than 20 edits", status: 200,
            body: ScriptedChatServer.completion(content: answer(Array(repeating: addRegion, count: 21))),
            reason: "at most 20"),
        Bad(
            name: "content that is not JSON", status: 200,
            body: ScriptedChatServer.completion(content: "Sure! Set API_REGION to eu-1."),
            reason: "is not a grace_edit"),
        Bad(name: "HTTP 500", status: 500, body: #"{"error": "overloaded"}"#, reason: "HTTP 500"),
        Bad(name: "a body that is not JSON", status: 200, body: "<html>", reason: "malformed JSON"),
        Bad(
            name: "no content", status: 200, body: #"{"choices": []}"#,
            reason: "no choices[0].message.content"),
        Bad(
            name: "refusal", status: 200,
            body: ScriptedChatServer.completion(content: nil, refusal: "I can't help with that."),
            reason: "the model refused: I can't help with that."),
    ]

    @Test("an unusable answer gives no proposal and says why", arguments: bad)
    func unusable(_ bad: Bad) async throws {
        let server = try await ScriptedChatServer.start { _ in (bad.status, bad.body) }
        defer { Task { await server.stop() } }
        let planner = LLMPlanner(environment: [:])
        let planned = await planner.plan(Self.context(Self.files(endpoint: server.endpoint)))
        #expect(planned.isEmpty)
        let reason = try #require(planner.lastError).description
        #expect(reason.contains(bad.reason), "\(reason)")
    }

    @Test("with planner rules nothing is asked and nothing is reported")
    func rulesPlanner() async throws {
        let server = try await ScriptedChatServer.answering(content: Self.answer([Self.addRegion]))
        defer { Task { await server.stop() } }
        let planner = LLMPlanner(environment: [:])
        let planned = await planner.plan(Self.context(Self.files(endpoint: server.endpoint, planner: "rules")))
        #expect(planned.isEmpty)
        #expect(planner.lastError == nil)
        #expect(server.requests.isEmpty)
    }

    @Test("an endpoint nobody listens on is a transport error, not a crash")
    func unreachable() async throws {
        // A port held bound but not listening: connections are refused at once, and no other test can take it.
        let holder = try Self.boundButNotListening()
        defer { close(holder.fd) }
        let endpoint = "http://127.0.0.1:\(holder.port)/v1"
        let planner = LLMPlanner(environment: [:], timeout: .seconds(2))
        let planned = await planner.plan(Self.context(Self.files(endpoint: endpoint)))
        #expect(planned.isEmpty)
        guard case .transport = planner.lastError else {
            Issue.record("expected a transport error, got \(String(describing: planner.lastError))")
            return
        }
    }

    /// A TCP socket bound to a port of 127.0.0.1 below the ephemeral range, not listening.
    static func boundButNotListening() throws -> (fd: Int32, port: Int) {
        for _ in 0..<50 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { break }
            let port = Int.random(in: 20_000..<30_000)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            if bound { return (fd, port) }
            close(fd)
        }
        throw POSIXError(.EADDRINUSE)
    }
}
