import Foundation
import GraceAPIModels
import GraceDSL
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Interpreter
import Logging
import NIOCore
import TestSupport
import Testing

@testable import GraceAPI
@testable import Runtime

/// The router in-process (Hummingbird's router test framework: no socket): routes, middleware and bodies against
/// a real supervisor, journal and component registry whose kernels are not started.
@Suite("API router", .timeLimit(.minutes(5)))
struct APIRouterTests {
    struct Fixture {
        let router: Router<APIRequestContext>
        let token: APIToken
        let journal: Journal
        let directory: URL

        var authorization: HTTPFields { [.authorization: "Bearer \(token.value)"] }

        func run(_ test: @Sendable @escaping (any TestClientProtocol) async throws -> Void) async throws {
            let app = Application(router: router)
            try await app.test(.router) { client in try await test(client) }
        }
    }

    /// One reactor for the suite (a thread each otherwise).
    static let reactor: IOReactor = {
        do {
            return try IOReactor(name: "test-api-io")
        } catch {
            fatalError("the test process cannot make an epoll reactor: \(error)")
        }
    }()

    /// A router over one kernel `api` and a playbook `heal`, plus the documents of `extraYAML`; GETs need the token
    /// too with `readsNeedToken` (as off loopback).
    static func fixture(
        readsPerSecond: Int = 1000, writesPerSecond: Int = 1000, agentTasks: AgentTaskStore? = nil,
        extraYAML: String = "", readsNeedToken: Bool = false
    ) async throws -> Fixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grace-router-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let yaml = """
            kind: kernel
            name: api
            command: [/bin/sh, -c, "exec sleep 1000"]
            ---
            kind: playbook
            name: heal
            params: {kernel: {type: kernel}}
            steps:
              - notify: "healed {{ kernel }}"
            """ + (extraYAML.isEmpty ? "" : "\n---\n" + extraYAML)
        let compiled = Compiler(options: CompilerOptions(checkExecutables: false))
            .compile([SourceFile(path: "t.yaml", text: yaml)])
        let graph = try #require(compiled.graph)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let environment = RuntimeEnvironment(
            store: try StateStore.inMemoryForTesting(), reaper: ChildReaper(), reactor: Self.reactor, cgroups: nil,
            logger: logger)
        let supervisor = Supervisor(
            graph: graph,
            configuration: .init(
                root: directory.path, stateDirectory: directory,
                locator: ExecutableLocator(root: directory.path, toolDirectories: [])),
            environment: environment)
        let healer = Healer(
            graph: graph, supervisor: supervisor, environment: environment,
            runner: ProcessCommandRunner(
                locator: ExecutableLocator(root: directory.path, toolDirectories: []), reaper: environment.reaper,
                reactor: environment.reactor),
            root: directory.path)
        let components = ComponentRegistry()
        components.register("supervisor", heartbeatInterval: .seconds(5))
        components.beat("supervisor")
        let services = APIServices(
            supervisor: supervisor, healer: healer, reloader: nil, snapshots: nil, journal: environment.journal,
            components: components, live: LiveState(), metrics: APIMetrics(), dashboard: DashboardFiles(directory: nil),
            broadcaster: EventBroadcaster(), version: "test", agentTasks: agentTasks)
        let token = try APIToken.loadOrCreate(stateDirectory: directory)
        // The rate limits count time on a clock that stands still: a slow machine cannot refill a bucket.
        let router = APIRouter.build(
            services: services,
            settings: .init(
                token: token, readsNeedToken: readsNeedToken, readsPerSecond: readsPerSecond,
                writesPerSecond: writesPerSecond,
                clock: RuntimeClock(ManualClock())),
            logger: logger)
        return Fixture(router: router, token: token, journal: environment.journal, directory: directory)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try APIJSON.decoder().decode(type, from: Data(buffer: response.body))
    }

    @Test("status and kernels decode as the shared models; absent values are null, keys in the contract's order")
    func status() async throws {
        let f = try await Self.fixture()
        try await f.run { client in
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let status = try Self.decode(StatusResponse.self, response)
                #expect(status.kernels.total == 1)
                #expect(status.role == .standalone)
                let text = String(buffer: response.body)
                #expect(text.contains("\"instance\":null"), "a documented key with no value is null, not missing")
                #expect(text.hasSuffix("}\n"))
            }
            try await client.execute(uri: "/v1/kernels/api", method: .get) { response in
                let kernel = try Self.decode(KernelView.self, response)
                #expect(kernel.state == "stopped")
                #expect(kernel.pid == nil)
                let text = String(buffer: response.body)
                let keys = [
                    "name", "state", "pid", "started_at", "uptime_seconds", "restarts", "healthy", "paused", "tier",
                    "metrics", "history",
                ]
                let positions = keys.compactMap { text.range(of: "\"\($0)\":")?.lowerBound }
                #expect(positions.count == keys.count)
                #expect(positions == positions.sorted(), "keys in docs/openapi.yaml's order")
            }
        }
    }

    @Test("unknown paths are 404, known paths with another method 405 with Allow, both in the error envelope")
    func routing() async throws {
        let f = try await Self.fixture()
        try await f.run { client in
            try await client.execute(uri: "/v1/nope", method: .get) { response in
                #expect(response.status == .notFound)
                let decoded = try Self.decode(ErrorResponse.self, response)
                #expect(decoded.error.code == "not_found")
            }
            try await client.execute(uri: "/v1/kernels", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
                let decoded = try Self.decode(ErrorResponse.self, response)
                #expect(decoded.error.code == "method_not_allowed")
            }
            try await client.execute(uri: "/v1/kernels/api/restart", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
            }
            try await client.execute(uri: "/v1/kernels/a%zz", method: .get) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/events?limit=0", method: .get) { response in
                #expect(response.status == .badRequest)
                let decoded = try Self.decode(ErrorResponse.self, response)
                #expect(decoded.error.message.contains("limit"))
            }
        }
    }

    @Test("writes need the bearer token; with it, an unknown kernel is 404 and a known one is accepted")
    func writes() async throws {
        let f = try await Self.fixture()
        let auth = f.authorization
        try await f.run { client in
            try await client.execute(uri: "/v1/kernels/api/stop", method: .post) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            try await client.execute(
                uri: "/v1/kernels/api/stop", method: .post, headers: [.authorization: "Bearer wrong"]
            ) { response in
                #expect(response.status == .unauthorized)
                let decoded = try Self.decode(ErrorResponse.self, response)
                #expect(decoded.error.message.contains("wrong"))
            }
            try await client.execute(uri: "/v1/kernels/nobody/restart", method: .post, headers: auth) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/v1/kernels/api/stop", method: .post, headers: auth) {
                response in
                #expect(response.status == .conflict, "a kernel that is not running cannot be stopped")
            }
            try await client.execute(
                uri: "/v1/kernels/api/pause", method: .post, headers: auth,
                body: ByteBuffer(string: "{\"x\": 1}")
            ) { response in
                #expect(response.status == .badRequest, "unknown members are refused")
            }
        }
    }

    @Test("a playbook runs by hand through the API, and its parameters are checked")
    func playbook() async throws {
        let f = try await Self.fixture()
        let auth = f.authorization
        try await f.run { client in
            try await client.execute(
                uri: "/v1/playbooks/heal/run", method: .post, headers: auth,
                body: ByteBuffer(string: "{\"params\": {\"kernel\": \"api\"}}")
            ) { response in
                #expect(response.status == .ok)
                let outcome = try Self.decode(PlaybookRunResponse.self, response)
                #expect(outcome.succeeded)
                #expect(outcome.error == nil)
                #expect(String(buffer: response.body).contains("\"error\":null"))
            }
            try await client.execute(
                uri: "/v1/playbooks/heal/run", method: .post, headers: auth,
                body: ByteBuffer(string: "{\"params\": {\"nope\": 1}}")
            ) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(
                uri: "/v1/playbooks/heal/run", method: .post, headers: auth,
                body: ByteBuffer(repeating: UInt8(ascii: " "), count: 65 * 1024)
            ) { response in
                #expect(response.status == .contentTooLarge)
                let decoded = try Self.decode(ErrorResponse.self, response)
                #expect(decoded.error.code == "too_large")
            }
        }
        // The run answered after it ended, so its notify step is in the journal already: read, not waited for.
        let notified = try #require(try f.journal.store.events(kinds: [JournalKind.notify.rawValue]).first)
        #expect(notified.event.run != nil)
    }

    @Test("an incident is explained by run, by event and by kernel; every key is written; unknowns are 404")
    func explain() async throws {
        let f = try await Self.fixture()
        let exited = try #require(
            f.journal.append(.kernelExited(kernel: "api", pid: 7, status: .exited(code: 3), ran: .seconds(2))))
        f.journal.append([
            .triggerFired(
                trigger: "api-crash", playbook: "heal", kernel: "api", evidence: ["kernel": "api", "code": "3"],
                run: "heal-9"),
            .runStarted(
                run: "heal-9", playbook: "heal", trigger: "api-crash", arguments: ["kernel": "api"], parent: nil),
            .stepStarted(run: "heal-9", index: 0, name: "step-1", action: "notify", attempt: 1),
            .stepSucceeded(run: "heal-9", index: 0, name: "step-1", detail: ""),
            .runSucceeded(run: "heal-9", playbook: "heal"),
        ])
        try await f.run { client in
            for path in ["/v1/explain/runs/heal-9", "/v1/explain/events/\(exited.id)", "/v1/explain/kernels/api"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path): \(String(buffer: response.body))")
                    let body = String(buffer: response.body)
                    #expect(body.contains("\"samples\":null"), "\(body)")
                    let incident = try Self.decode(IncidentView.self, response)
                    #expect(incident.run == "heal-9")
                    #expect(incident.outcome == "healed")
                    #expect(incident.observations.map(\.kind) == ["kernel.exited"])
                    #expect(incident.observations.first?.offsetMS == 0)
                    #expect(incident.decision?.evidence.contains { $0.key == "code" && $0.value == "3" } == true)
                    #expect(incident.runs.first?.steps.map(\.action) == ["notify"])
                    let text = IncidentText.render(incident)
                    #expect(text.contains("kernel.exited api: exited (pid 7) with exit code 3"), "\(text)")
                    #expect(text.contains("fired api-crash -> heal"), "\(text)")
                    #expect(text.contains("exit code  3"), "\(text)")
                    #expect(text.contains("run heal-9 (heal) succeeded"), "\(text)")
                }
            }
            for path in ["/v1/explain/runs/nope", "/v1/explain/events/999999", "/v1/explain/kernels/nobody"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .notFound, "\(path)")
                }
            }
            try await client.execute(uri: "/v1/explain/events/x", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("the vocabulary and the components are served")
    func vocabularyAndComponents() async throws {
        let f = try await Self.fixture()
        try await f.run { client in
            try await client.execute(uri: "/v1/events/kinds", method: .get) { response in
                let kinds = try Self.decode(EventKindsResponse.self, response).kinds
                #expect(kinds.map(\.kind) == JournalKind.allCases.map(\.rawValue))
                #expect(kinds.first { $0.kind == "kernel.exited" }?.tone == "bad")
            }
            try await client.execute(uri: "/v1/components", method: .get) { response in
                let components = try Self.decode(ComponentsResponse.self, response).components
                #expect(components.map(\.name) == ["supervisor"])
                #expect(components[0].state == "starting")
                #expect(components[0].lastHeartbeat != nil)
                #expect(components[0].heartbeatIntervalSeconds == 5)
                #expect(components[0].silent == false && components[0].silentSince == nil)
            }
        }
    }

    @Test("over the write rate a client is told to wait: 429 with Retry-After; reads have their own bucket")
    func rateLimit() async throws {
        let f = try await Self.fixture(readsPerSecond: 1000, writesPerSecond: 1)
        let auth = f.authorization
        try await f.run { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 {
                try await client.execute(uri: "/v1/kernels/nobody/restart", method: .post, headers: auth) {
                    statuses.append($0.status)
                }
            }
            #expect(statuses == [.notFound, .notFound, .tooManyRequests], "a burst of twice the rate, then 429")
            try await client.execute(uri: "/v1/kernels/nobody/restart", method: .post, headers: auth) {
                #expect($0.headers[.retryAfter] == "1")
            }
            try await client.execute(uri: "/v1/status", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("a journal that cannot be written: writes answer 503 with Retry-After, reads answer and say degraded")
    func degraded() async throws {
        let f = try await Self.fixture()
        let auth = f.authorization
        try f.journal.store.simulateFullDisk(true)
        // An entry bigger than the room left: it fails, and the journal is degraded.
        f.journal.append(.kernelSpawnFailed(kernel: "api", reason: String(repeating: "x", count: 200_000)))
        #expect(!f.journal.isWritable)
        try await f.run { client in
            try await client.execute(uri: "/v1/kernels/api/restart", method: .post, headers: auth) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                #expect(String(buffer: response.body).contains("journal cannot be written"))
            }
            try await client.execute(uri: "/v1/playbooks/heal/run", method: .post, headers: auth) {
                #expect($0.status == .serviceUnavailable)
            }
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .ok)
                let status = try Self.decode(StatusResponse.self, response)
                #expect(status.degraded)
                #expect(!status.journal.writable && status.journal.pending >= 1)
            }
        }
        try f.journal.store.simulateFullDisk(false)
        #expect(f.journal.retryPending())
        try await f.run { client in
            try await client.execute(uri: "/v1/status", method: .get) { response in
                let status = try Self.decode(StatusResponse.self, response)
                #expect(!status.degraded && status.journal.writable && status.journal.pending == 0)
            }
        }
    }

    @Test("without the token a write is 401, even after the writers' budget is spent (authentication first)")
    func unauthenticatedBeforeRateLimit() async throws {
        let f = try await Self.fixture(readsPerSecond: 1000, writesPerSecond: 1)
        let auth = f.authorization
        try await f.run { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/v1/kernels/nobody/restart", method: .post, headers: auth) { _ in }
            }
            try await client.execute(uri: "/v1/kernels/nobody/restart", method: .post, headers: auth) {
                #expect($0.status == .tooManyRequests, "the budget is spent")
            }
            // A process without the token cannot use up the writers' budget, and is told what it lacks.
            for _ in 0..<3 {
                try await client.execute(uri: "/v1/kernels/nobody/restart", method: .post) {
                    #expect($0.status == .unauthorized)
                }
            }
        }
    }
}
