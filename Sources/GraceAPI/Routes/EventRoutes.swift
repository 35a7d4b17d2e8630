import Foundation
import GraceAPIModels
import HTTPTypes
import Hummingbird
import Interpreter
import Logging
import NIOCore
import Runtime

/// `/v1/events` (pages of the journal), `/v1/events/stream` (the live stream, Server-Sent Events) and
/// `/v1/events/kinds` (the vocabulary, which the dashboard listens by).
struct EventRoutes: APIRoutes {
    let services: APIServices
    let logger: Logger

    func add(to routes: RouteBuilder) {
        routes.get("/v1/events") { request, _ in try page(QueryParameters(request)) }
        routes.get("/v1/events/stream") { request, _ in try await stream(request) }
        routes.get("/v1/events/kinds") { _, _ in Self.kinds }
    }

    static let kinds = EventKindsResponse(
        kinds: JournalKind.allCases.map {
            EventKindView(kind: $0.rawValue, tone: $0.tone.rawValue, summary: $0.summary)
        })

    static func view(_ entry: JournalEntry) -> EventView {
        EventView(id: entry.id, time: entry.time, kind: entry.kind, kernel: entry.kernel, fields: entry.fields)
    }

    func page(_ query: QueryParameters) throws(APIError) -> EventsPage {
        let after = try query.journalID("after") ?? 0
        let limit = try query.integer("limit", default: 100, in: 1...1000)
        let kernel = try query.value("kernel")
        let kinds = query.values("kind").filter { !$0.isEmpty }
        let store = services.store
        let entries = try APIError.wrapping("reading the journal") {
            try store.events(after: after, limit: limit, kernel: kernel, kinds: kinds.isEmpty ? nil : kinds)
        }
        return EventsPage(events: entries.map(Self.view), nextAfter: entries.last?.id ?? after)
    }

    /// One SSE message: `id`, `event` (the kind) and the event's JSON on one `data:` line.
    static func message(_ entry: JournalEntry) -> String {
        let kind = entry.kind.filter { $0 != "\n" && $0 != "\r" }
        let data = (try? APIJSON.line(view(entry))) ?? "{}"
        return "id: \(entry.id)\nevent: \(kind)\ndata: \(data)\n\n"
    }

    /// Subscribes first (so nothing is missed), replays from the journal after `after` (or `Last-Event-ID`), then
    /// passes on live entries newer than the last one sent.
    func stream(_ request: Request) async throws -> Response {
        let query = try QueryParameters(request)
        var after = try query.journalID("after")
        if let header = request.headers.first(where: { $0.name.canonicalName == "last-event-id" })?.value {
            guard let id = Int64(header.trimmingCharacters(in: .whitespaces)), id >= 0 else {
                throw APIError.badRequest("Last-Event-ID must be a journal id, not `\(header.prefix(40))`")
            }
            after = id
        }
        let replayAfter = after
        let kernel = try query.value("kernel")
        let kinds = query.values("kind").filter { !$0.isEmpty }
        let kindSet = Set(kinds)
        let broadcaster = services.broadcaster
        let store = services.store
        let logger = logger
        // Streams whose client has gone hold their slot until their next write: when all are taken, the broadcaster
        // makes them all write now and hands the first freed slot over (bench/campaign/hostile.py: 300 clients
        // gone, then a new one was refused for up to the 15 s of a keep-alive).
        guard let (id, items) = await broadcaster.subscribe(waitingUpTo: .milliseconds(200)) else {
            throw APIError.unavailable(
                "too many event streams are open (at most \(broadcaster.maxClients)); try again later", retryAfter: 5)
        }
        let body = ResponseBody { writer in
            do {
                try await writer.write(ByteBuffer(string: ": connected\n\n"))
                var last = replayAfter ?? 0
                if let replayAfter {
                    last = replayAfter
                    while true {
                        let page = try store.events(
                            after: last, limit: 500, kernel: kernel, kinds: kinds.isEmpty ? nil : kinds)
                        for entry in page {
                            try await writer.write(ByteBuffer(string: Self.message(entry)))
                            last = entry.id
                        }
                        if page.count < 500 { break }
                    }
                }
                for await item in items {
                    switch item {
                    case .entry(let entry):
                        guard entry.id > last else { continue }
                        last = entry.id
                        if let kernel, entry.kernel != kernel { continue }
                        if !kindSet.isEmpty, !kindSet.contains(entry.kind) { continue }
                        try await writer.write(ByteBuffer(string: Self.message(entry)))
                    case .keepAlive:
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
            } catch {
                logger.debug("api: event stream ended: \(error)")
            }
            await broadcaster.unsubscribe(id)
            try? await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
            body: body)
    }
}
