import Foundation
import GraceDSL
import Runtime

extension APIHandlers {
    func runs(_ request: APIRequest) async throws -> APIReply {
        let limit = try request.integer("limit", default: 50, in: 1...500)
        let playbook = try request.value("playbook")
        let runs = await live.runs(limit: limit, playbook: playbook)
        return .json(.ok, .object([("runs", .array(runs.map(Self.runJSON)))]))
    }

    func run(_ id: String) async throws -> APIReply {
        guard let run = await live.run(id) else { throw APIError.notFound("no run `\(id.prefix(100))`") }
        return .json(.ok, Self.runJSON(run))
    }

    /// A value of `params`: strings, numbers and booleans are passed on as text.
    struct Parameter: Decodable {
        var text: String

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) {
                text = s
            } else if let b = try? c.decode(Bool.self) {
                text = b ? "true" : "false"
            } else if let i = try? c.decode(Int64.self) {
                text = String(i)
            } else if let d = try? c.decode(Double.self), d.isFinite {
                text = String(d)
            } else {
                throw DecodingError.typeMismatch(
                    String.self, .init(codingPath: c.codingPath, debugDescription: "a string, number or boolean"))
            }
        }
    }

    struct RunBody: Decodable {
        var params: [String: Parameter]?
    }

    func runPlaybook(_ name: String, _ request: APIRequest) async throws -> APIReply {
        guard let playbook = await supervisor.graph.playbooks.first(where: { $0.header.name.value == name }) else {
            throw APIError.notFound("no playbook `\(name.prefix(100))`")
        }
        _ = try request.optionalJSONObject(allowed: ["params"])
        let body: RunBody = request.body.isEmpty ? RunBody() : try BodyDecoder.decode(RunBody.self, from: request.body)
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
        let outcome = await healer.run(name, arguments: arguments)
        return .json(
            .ok,
            .object([
                ("ok", .bool(outcome.succeeded)), ("run", .string(outcome.run)),
                ("succeeded", .bool(outcome.succeeded)),
                ("error", .optional(outcome.error)),
            ]))
    }

    static func runJSON(_ run: RunIndex.Run) -> JSON {
        .object([
            ("id", .string(run.id)),
            ("playbook", .string(run.playbook)),
            ("trigger", .optional(run.trigger)),
            ("state", .string(run.state)),
            ("started_at", .time(run.startedAt)),
            ("finished_at", .time(run.finishedAt)),
            ("duration_ms", milliseconds(from: run.startedAt, to: run.finishedAt)),
            ("arguments", .strings(run.arguments)),
            ("error", .optional(run.error)),
            (
                "steps",
                .array(
                    run.steps.map { step in
                        .object([
                            ("index", .int(step.index)),
                            ("name", .string(step.name)),
                            ("action", .optional(step.action)),
                            ("state", .string(step.state)),
                            ("started_at", .time(step.startedAt)),
                            ("finished_at", .time(step.finishedAt)),
                            ("duration_ms", milliseconds(from: step.startedAt, to: step.finishedAt)),
                            ("attempts", .int(step.attempts)),
                            ("detail", .optional(step.detail)),
                            ("error", .optional(step.error)),
                        ])
                    })
            ),
        ])
    }
}
