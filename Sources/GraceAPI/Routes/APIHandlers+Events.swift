import Foundation
import Interpreter
import Runtime

extension APIHandlers {
    func events(_ request: APIRequest) throws -> APIReply {
        let after = try request.journalID("after") ?? 0
        let limit = try request.integer("limit", default: 100, in: 1...1000)
        let kernel = try request.value("kernel")
        let kinds = request.values("kind").filter { !$0.isEmpty }
        let entries = try storeCall("reading the journal") {
            try store.events(after: after, limit: limit, kernel: kernel, kinds: kinds.isEmpty ? nil : kinds)
        }
        return .json(
            .ok,
            .object([
                ("events", .array(entries.map(Self.eventJSON))),
                ("next_after", .int(entries.last?.id ?? after)),
            ]))
    }

    func eventStream(_ request: APIRequest) throws -> APIReply {
        var after = try request.journalID("after")
        if let header = request.headers.first(where: { $0.name.canonicalName == "last-event-id" })?.value {
            guard let id = Int64(header.trimmingCharacters(in: .whitespaces)), id >= 0 else {
                throw APIError.badRequest("Last-Event-ID must be a journal id, not `\(header.prefix(40))`")
            }
            after = id
        }
        let kinds = request.values("kind").filter { !$0.isEmpty }
        return .eventStream(after: after, kernel: try request.value("kernel"), kinds: kinds)
    }

    /// Every kind of journal entry, with its tone and what it records: the dashboard listens for these.
    static func eventKinds() -> APIReply {
        .json(
            .ok,
            .object([
                (
                    "kinds",
                    .array(
                        JournalKind.allCases.map { kind in
                            .object([
                                ("kind", .string(kind.rawValue)), ("tone", .string(kind.tone.rawValue)),
                                ("summary", .string(kind.summary)),
                            ])
                        })
                )
            ]))
    }

    static func eventJSON(_ entry: JournalEntry) -> JSON {
        .object([
            ("id", .int(entry.id)),
            ("time", .time(entry.time)),
            ("kind", .string(entry.kind)),
            ("kernel", .optional(entry.kernel)),
            ("fields", .strings(entry.fields)),
        ])
    }

    /// One SSE message: `id`, `event` (the kind) and the event JSON on one `data:` line.
    static func sseMessage(_ entry: JournalEntry) -> String {
        let kind = entry.kind.filter { $0 != "\n" && $0 != "\r" }
        return "id: \(entry.id)\nevent: \(kind)\ndata: \(eventJSON(entry).serialized)\n\n"
    }
}
