import Foundation
import GraceAPIModels
import Hummingbird
import Runtime

/// `/v1/runs`, `/v1/runs/{id}` (playbook runs, step by step) and `POST /v1/playbooks/{name}/run`.
struct RunRoutes: APIRoutes {
    let services: APIServices

    func add(to routes: RouteBuilder) {
        routes.get("/v1/runs") { request, _ in
            let query = try QueryParameters(request)
            let limit = try query.integer("limit", default: 50, in: 1...500)
            let runs = await services.live.runs(limit: limit, playbook: try query.value("playbook"))
            return RunsResponse(runs: runs.map(Self.view))
        }
        routes.get("/v1/runs/:id") { _, context in
            let id = try context.parameter("id")
            guard let run = await services.live.run(id) else { throw APIError.notFound("no run `\(id.prefix(100))`") }
            return Self.view(run)
        }
        routes.post("/v1/playbooks/:name/run") { request, context in
            try await run(try context.parameter("name"), request: request, limit: context.maxUploadSize)
        }
    }

    /// Runs the playbook and answers when the run has ended.
    private func run(_ name: String, request: Request, limit: Int) async throws -> PlaybookRunResponse {
        guard let playbook = await services.supervisor.graph.playbook(name) else {
            throw APIError.notFound("no playbook `\(name.prefix(100))`")
        }
        let data = try await BodyReader.object(request, allowed: ["params"], limit: limit)
        let body =
            data.isEmpty ? PlaybookRunRequest() : try APIRequestDecoder.decode(PlaybookRunRequest.self, from: data)
        let arguments = (body.params ?? [:]).mapValues(\.text)
        let declared = Set(playbook.params.map(\.name.value))
        if let unknown = arguments.keys.sorted().first(where: { !declared.contains($0) }) {
            let known = declared.sorted().joined(separator: ", ")
            throw APIError.badRequest(
                "playbook \(name) has no parameter `\(unknown.prefix(60))`"
                    + (known.isEmpty ? "" : " (it has: \(known))"))
        }
        if let missing = playbook.params.first(where: { $0.required && arguments[$0.name.value] == nil }) {
            throw APIError.badRequest("playbook \(name) needs the parameter `\(missing.name.value)`")
        }
        let outcome = await services.healer.run(name, arguments: arguments)
        return PlaybookRunResponse(
            ok: outcome.succeeded, run: outcome.run, succeeded: outcome.succeeded, error: outcome.error)
    }

    static func view(_ run: RunIndex.Run) -> RunView {
        RunView(
            id: run.id, playbook: run.playbook, trigger: run.trigger, state: run.state, startedAt: run.startedAt,
            finishedAt: run.finishedAt, durationMS: APIServices.milliseconds(from: run.startedAt, to: run.finishedAt),
            arguments: run.arguments, error: run.error,
            steps: run.steps.map { step in
                RunView.Step(
                    index: step.index, name: step.name, action: step.action, state: step.state,
                    startedAt: step.startedAt, finishedAt: step.finishedAt,
                    durationMS: APIServices.milliseconds(from: step.startedAt, to: step.finishedAt),
                    attempts: step.attempts, detail: step.detail, error: step.error)
            })
    }
}
