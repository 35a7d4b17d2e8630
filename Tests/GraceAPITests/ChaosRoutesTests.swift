import Foundation
import GRDB
import GraceAPIModels
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Interpreter
import NIOCore
import Testing

@testable import GraceAPI
@testable import Runtime

/// `GET /v1/chaos`, `POST /v1/chaos/drills` and `GET /v1/journal/verify` in-process, over a graph with two chaos
/// scenarios and a gate, and a journal in memory.
@Suite("API: chaos drills and the journal's chain", .timeLimit(.minutes(5)))
struct ChaosRoutesTests {
    static let documents = """
        kind: gate
        name: fast-heal
        description: Healthy again within a minute.
        checks:
          - {time_to_heal: api, under: 1m}
          - {journal: intact}
        ---
        kind: chaos
        name: kill-api
        description: SIGKILL api.
        inject: {kill: api}
        expect: {playbook: heal, healthy: [api], within: 30s}
        gates: [fast-heal]
        ---
        kind: chaos
        name: hang-api
        inject: {hang: api}
        expect: {healthy: [api]}
        """

    static func fixture(readsNeedToken: Bool = false) async throws -> APIRouterTests.Fixture {
        try await APIRouterTests.fixture(extraYAML: documents, readsNeedToken: readsNeedToken)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try APIJSON.decoder().decode(type, from: Data(buffer: response.body))
    }

    static func json(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try APIJSON.encoder().encode(value))
    }

    /// The last drill reported, failed on one of its two gate checks.
    static let finished = DrillRecord(
        drill: "kill-api-1", scenario: "kill-api", phase: .finished, fault: "kill api", status: "failed",
        deviated: false, healedMs: 72_000,
        gates: [
            GateCheckResult(
                gate: "fast-heal", check: "time to heal api", measured: "72s", threshold: "< 1m", ok: false),
            GateCheckResult(gate: "fast-heal", check: "journal", measured: "intact", threshold: "intact", ok: true),
        ], detail: "api healed after its deadline")

    @Test("the graph's scenarios and gates, sorted, every key present; no drills yet")
    func scenariosAndGates() async throws {
        let f = try await Self.fixture()
        try await f.run { client in
            try await client.execute(uri: "/v1/chaos", method: .get) { response in
                #expect(response.status == .ok)
                let chaos = try Self.decode(ChaosView.self, response)
                #expect(chaos.scenarios.map(\.name) == ["hang-api", "kill-api"])
                let kill = chaos.scenarios[1]
                #expect(kill.description == "SIGKILL api.")
                #expect(kill.fault == "kill" && kill.target == "api" && kill.summary == "SIGKILL to api")
                #expect(
                    kill.expect
                        == .init(trigger: nil, playbook: "heal", healthy: ["api"], withinMs: 30_000))
                #expect(kill.gates == ["fast-heal"])
                #expect(chaos.scenarios[0].expect?.withinMs == nil && chaos.scenarios[0].description == "")
                #expect(
                    chaos.gates == [
                        GateView(
                            name: "fast-heal", description: "Healthy again within a minute.",
                            checks: ["time to heal api under 1m", "journal intact"])
                    ])
                #expect(chaos.drills.isEmpty)
                let text = String(buffer: response.body)
                #expect(text.contains(#""trigger":null"#) && text.contains(#""within_ms":null"#))
            }
            try await client.execute(uri: "/v1/events/kinds", method: .get) { response in
                let kinds = try Self.decode(EventKindsResponse.self, response).kinds
                let chaos = kinds.filter { $0.kind.hasPrefix("chaos.") }.map { "\($0.kind) \($0.tone)" }
                #expect(chaos == ["chaos.started heal", "chaos.injected warn", "chaos.finished heal"])
            }
        }
    }

    @Test("each phase of a drill is journaled as its chaos.* entry; the finished one is listed with its failed gates")
    func drillPhases() async throws {
        let f = try await Self.fixture()
        let auth = f.authorization
        let started = DrillRecord(drill: "kill-api-1", scenario: "kill-api", phase: .started, fault: "kill api")
        let injected = DrillRecord(
            drill: "kill-api-1", scenario: "kill-api", phase: .injected, fault: "kill api", detail: "SIGKILL to 4242")
        try await f.run { client in
            for record in [started, injected, Self.finished] {
                try await client.execute(
                    uri: "/v1/chaos/drills", method: .post, headers: auth, body: try Self.json(record)
                ) { response in
                    #expect(response.status == .created, "\(String(buffer: response.body))")
                    let message = try Self.decode(MessageResponse.self, response)
                    #expect(message.ok && message.message.contains("kill-api-1"))
                }
            }
            try await client.execute(uri: "/v1/chaos", method: .get) { response in
                let drills = try Self.decode(ChaosView.self, response).drills
                #expect(drills.count == 1)
                let drill = try #require(drills.first)
                #expect(drill.drill == "kill-api-1" && drill.scenario == "kill-api" && drill.status == "failed")
                #expect(drill.healedMs == 72_000 && !drill.deviated)
                #expect(drill.failedGates == ["fast-heal: time to heal api measured 72s, needs < 1m"])
                #expect(drill.detail == "api healed after its deadline")
            }
        }
        let kinds = [JournalKind.chaosStarted, .chaosInjected, .chaosFinished].map(\.rawValue)
        let entries = try f.journal.store.events(kinds: kinds)
        #expect(entries.map(\.kind) == kinds)
        #expect(entries[0].fields == ["drill": "kill-api-1", "scenario": "kill-api", "fault": "kill api"])
        #expect(entries[1].fields["detail"] == "SIGKILL to 4242")
        #expect(
            entries[2].fields == [
                "drill": "kill-api-1", "scenario": "kill-api", "fault": "kill api", "status": "failed",
                "deviated": "false", "healed_ms": "72000", "gates_failed": "1",
                "gate.0": "fast-heal: time to heal api measured 72s, needs < 1m, FAILED",
                "gate.1": "fast-heal: journal measured intact, needs intact, ok",
                "detail": "api healed after its deadline",
            ])
        #expect(entries.allSatisfy { $0.event.kind != nil }, "entries decode as chaos events")
    }

    @Test("drills of scenarios the graph lacks (kong, random) are journaled; the list keeps the newest 50")
    func newestFifty() async throws {
        let f = try await Self.fixture()
        let auth = f.authorization
        try await f.run { client in
            for n in 0..<52 {
                let record = DrillRecord(
                    drill: "kong-\(n)", scenario: "kong", phase: .finished, status: n == 51 ? "completed" : "aborted",
                    deviated: n == 51, detail: "steady state", seed: 42)
                try await client.execute(
                    uri: "/v1/chaos/drills", method: .post, headers: auth, body: try Self.json(record)
                ) { #expect($0.status == .created) }
            }
            try await client.execute(uri: "/v1/chaos", method: .get) { response in
                let drills = try Self.decode(ChaosView.self, response).drills
                #expect(drills.count == 50)
                #expect(drills.first?.drill == "kong-51" && drills.last?.drill == "kong-2")
                #expect(drills.first?.deviated == true && drills.first?.detail == nil, "no detail once completed")
                #expect(drills.first?.healedMs == nil && drills[1].detail == "steady state")
                #expect(zip(drills, drills.dropFirst()).allSatisfy { $0.id > $1.id }, "newest first")
                #expect(String(buffer: response.body).contains(#""healed_ms":null"#))
            }
        }
        #expect(try f.journal.store.lastEntry()?.fields["seed"] == "42")
    }

    @Test(
        "a malformed report is 400 and journals nothing",
        arguments: [
            #"{"drill": "", "scenario": "s", "phase": "started"}"#,
            #"{"drill": "\#(String(repeating: "d", count: 201))", "scenario": "s", "phase": "started"}"#,
            #"{"drill": "d", "scenario": "", "phase": "started"}"#,
            #"{"drill": "d\n", "scenario": "s", "phase": "started"}"#,
            #"{"drill": "d", "scenario": "s", "phase": "started", "status": "completed"}"#,
            #"{"drill": "d", "scenario": "s", "phase": "injected", "deviated": true}"#,
            #"{"drill": "d", "scenario": "s", "phase": "started", "healed_ms": 5}"#,
            #"{"drill": "d", "scenario": "s", "phase": "finished"}"#,
            #"{"drill": "d", "scenario": "s", "phase": "finished", "status": "passed"}"#,
            #"{"drill": "d", "scenario": "s", "phase": "finished", "status": "failed", "healed_ms": -1}"#,
            #"{"drill": "d", "scenario": "s", "phase": "finished", "status": "failed", "gates": [{"gate": "", "check": "c", "measured": "m", "threshold": "t", "ok": true}]}"#,
            #"{"drill": "d", "scenario": "s", "phase": "ended"}"#,
            #"{"drill": "d", "scenario": "s"}"#,
            #"{"drill": "d", "scenario": "s", "phase": "started", "fault": ""}"#,
            #"{"drill": "d", "scenario": "s", "phase": "started", "verdict": "ok"}"#,
            #"{"drill": 7, "scenario": "s", "phase": "started"}"#,
            #"["d"]"#,
            "",
        ])
    func malformed(_ body: String) async throws {
        let f = try await Self.fixture()
        let before = try f.journal.store.count()
        let auth = f.authorization
        try await f.run { client in
            try await client.execute(
                uri: "/v1/chaos/drills", method: .post, headers: auth, body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .badRequest, "\(String(buffer: response.body))")
                let decoded = try Self.decode(ErrorResponse.self, response)
                #expect(decoded.error.code == "bad_request")
            }
        }
        #expect(try f.journal.store.count() == before)
    }

    @Test("a long detail is kept to its first 1,000 characters, newlines as spaces; gates may be left out")
    func detailTruncated() async throws {
        let f = try await Self.fixture()
        let body =
            #"{"drill": "d", "scenario": "s", "phase": "injected", "detail": "a\nb\#(String(repeating: "x", count: 2_000))"}"#
        let auth = f.authorization
        try await f.run { client in
            try await client.execute(
                uri: "/v1/chaos/drills", method: .post, headers: auth, body: ByteBuffer(string: body)
            ) { #expect($0.status == .created) }
        }
        let detail = try #require(try f.journal.store.lastEntry()?.fields["detail"])
        #expect(detail.count == 1_000 && detail.hasPrefix("a b"))
    }

    @Test("reports need the token; so do the reads when reads need it")
    func unauthenticated() async throws {
        let record = try Self.json(Self.finished)
        let f = try await Self.fixture()
        try await f.run { client in
            try await client.execute(uri: "/v1/chaos/drills", method: .post, body: record) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            try await client.execute(
                uri: "/v1/chaos/drills", method: .post, headers: [.authorization: "Bearer wrong"], body: record
            ) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/chaos/drills", method: .get) { response in
                #expect(response.status == .methodNotAllowed && response.headers[.allow] == "POST")
            }
        }
        #expect(try f.journal.store.events(kinds: [JournalKind.chaosFinished.rawValue]).isEmpty)
        let guarded = try await Self.fixture(readsNeedToken: true)
        let guardedAuth = guarded.authorization
        try await guarded.run { client in
            for path in ["/v1/chaos", "/v1/journal/verify"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .unauthorized, "\(path)") }
                try await client.execute(uri: path, method: .get, headers: guardedAuth) {
                    #expect($0.status == .ok, "\(path)")
                }
            }
        }
    }

    @Test("the running Grace verifies its journal: intact with its entry count, or the first broken entry")
    func journalVerify() async throws {
        let f = try await Self.fixture()
        for n in 0..<4 { f.journal.append(.kernelStarted(kernel: "api", pid: Int32(100 + n))) }
        let count = try f.journal.store.count()
        try await f.run { client in
            try await client.execute(uri: "/v1/journal/verify", method: .get) { response in
                #expect(response.status == .ok)
                let check = try Self.decode(JournalCheckView.self, response)
                #expect(check == .init(intact: true, entries: Int64(count), detail: nil))
                #expect(String(buffer: response.body).contains(#""detail":null"#))
            }
        }
        // An entry rewritten behind the journal's back (the trigger that refuses updates dropped first).
        try await f.journal.store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER journal_refuses_update")
            try db.execute(sql: #"UPDATE journal SET fields = '{"pid":"666"}' WHERE id = 2"#)
        }
        try await f.run { client in
            try await client.execute(uri: "/v1/journal/verify", method: .get) { response in
                let check = try Self.decode(JournalCheckView.self, response)
                #expect(!check.intact && check.entries == 1)
                #expect(check.detail?.hasPrefix("entry 2: hash does not match") == true, "\(check.detail ?? "")")
            }
        }
    }
}
