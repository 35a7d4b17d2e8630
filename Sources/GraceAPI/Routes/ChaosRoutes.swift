import Foundation
import GraceAPIModels
import GraceDSL
import Hummingbird
import Interpreter
import Runtime

/// `GET /v1/chaos` (the running graph's chaos scenarios and gates, and the latest drills), `POST /v1/chaos/drills`
/// (a drill runner reports a phase of a drill, which Grace journals) and `GET /v1/journal/verify` (the journal's
/// hash chain, walked by the running Grace: what a drill's `journal: intact` gate asks).
struct ChaosRoutes: APIRoutes {
    let services: APIServices

    /// How many finished drills `GET /v1/chaos` lists.
    static let drillLimit = 50

    func add(to routes: RouteBuilder) {
        routes.get("/v1/chaos") { _, _ in try await chaos() }
        routes.post("/v1/chaos/drills") { request, context in
            let data = try await BodyReader.object(request, allowed: DrillJournal.members, limit: context.maxUploadSize)
            guard !data.isEmpty else { throw APIError.badRequest("the body must be a drill record") }
            let record = try APIRequestDecoder.decode(DrillRecord.self, from: data)
            let event = try DrillJournal.event(for: record)
            // A journal that fails this very write keeps the entry and writes it once it can (a journal already
            // degraded refused the request before it came here): accepted, not yet created.
            guard services.journal.append(event) != nil else {
                return EditedResponse(
                    status: .accepted,
                    response: MessageResponse(
                        ok: true,
                        message: "\(event.kindName) for \(record.drill) is journaled once the journal can be written"))
            }
            return EditedResponse(
                status: .created,
                response: MessageResponse(ok: true, message: "journaled \(event.kindName) for \(record.drill)"))
        }
        routes.get("/v1/journal/verify") { _, _ in try await verify() }
    }

    private func chaos() async throws(APIError) -> ChaosView {
        let graph = await services.supervisor.graph
        let store = services.store
        let entries = try await APIError.offPool("reading the journal") {
            try store.lastEntries(kind: JournalKind.chaosFinished.rawValue, limit: Self.drillLimit)
        }
        return ChaosView(
            scenarios: graph.chaos.sorted { $0.header.name.value < $1.header.name.value }.map(Self.view),
            gates: graph.gates.sorted { $0.header.name.value < $1.header.name.value }.map(Self.view),
            drills: entries.compactMap(DrillJournal.view(of:)))
    }

    private func verify() async throws(APIError) -> JournalCheckView {
        let store = services.store
        switch try await APIError.offPool("verifying the journal", { try store.verify() }) {
        case .intact(let entries):
            return JournalCheckView(intact: true, entries: Int64(entries), detail: nil)
        case .broken(let id, let reason):
            return JournalCheckView(intact: false, entries: max(0, id - 1), detail: "entry \(id): \(reason)")
        }
    }

    static func view(_ scenario: ChaosScenario) -> ChaosScenarioView {
        let fault = scenario.fault
        return ChaosScenarioView(
            name: scenario.header.name.value, description: scenario.header.description ?? "", fault: fault.keyword,
            target: fault.target.name.value, summary: fault.summary,
            expect: scenario.expect.map { e in
                ChaosScenarioView.Expectation(
                    trigger: e.trigger?.value, playbook: e.playbook?.value, healthy: e.healthy.map(\.value),
                    withinMs: e.within?.milliseconds)
            },
            gates: scenario.gates.map(\.value),
            probes: scenario.probes.map { "\($0.name.value) (\($0.mode.rawValue))" })
    }

    static func view(_ gate: Gate) -> GateView {
        GateView(
            name: gate.header.name.value, description: gate.header.description ?? "", checks: gate.checks.map(\.summary)
        )
    }
}
