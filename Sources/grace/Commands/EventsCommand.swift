import ArgumentParser
import Foundation
import GraceAPIModels

/// `grace events [--follow]`: the journal through the running Grace's HTTP API, and live with `--follow`.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print journal events of the running Grace; --follow streams new ones as they happen.",
        discussion: """
            Prints the newest --limit matching events, oldest first, or with --after (the last id shown) the \
            events after that one. With --follow it then prints every new event as it is journaled (Server-Sent \
            Events), until interrupted. `grace journal show` reads the same journal from the database without a \
            running Grace.

            Exit status: 0 success, 2 usage or I/O error, or Grace is not running (with --follow: also when the \
            stream ends because Grace stopped).

            Examples:
              grace events --kernel api --limit 20
              grace events --follow --kind kernel.exited --kind trigger.fired
            """)

    @Option(help: "Only events about this kernel.")
    var kernel: String?

    @Option(name: .customLong("kind"), help: "Only events of this kind (repeatable).")
    var kinds: [String] = []

    @Option(help: ArgumentHelp("Only events with an id above this one.", valueName: "id"))
    var after: Int64?

    @Option(help: ArgumentHelp("At most this many events (1-1000) before following.", valueName: "count"))
    var limit = 50

    @Flag(help: "Keep streaming new events.")
    var follow = false

    @OptionGroup var options: APIOptions

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        if let after, after < 0 { throw ValidationError("--after must not be negative") }
    }

    func run() async throws {
        let client = try options.client()
        var filters = kernel.map { "&kernel=\(APIClient.escape($0))" } ?? ""
        for kind in kinds { filters += "&kind=\(APIClient.escape(kind))" }
        var last = after ?? 0
        if after != nil || !follow {
            let page =
                after != nil
                ? try await Self.page(client, after: last, limit: limit, filters: filters)
                : try await Self.latest(client, limit: limit, filters: filters)
            if options.json && !follow { return APIClient.printJSON(page) }
            for event in page.events { print(options.json ? Self.jsonLine(event) : Self.line(event)) }
            last = page.nextAfter
        }
        guard follow else { return }
        let query = "?after=\(last)" + filters
        guard let url = URL(string: client.base.absoluteString + "/v1/events/stream" + query) else { return }
        let decoder = APIJSON.decoder()
        for await event in EventSource.events(url: url, token: client.token) {
            switch event {
            case .message(let data):
                guard let view = try? decoder.decode(EventView.self, from: Data(data.utf8)) else { continue }
                print(options.json ? Self.jsonLine(view) : Self.line(view))
                fflush(nil)  // all output streams: each event shows as it comes, also through a pipe
            case .failed(let message):
                throw CLIError.io("the event stream ended: \(message)")
            }
        }
    }

    /// One page of events after `after`.
    static func page(_ client: APIClient, after: Int64, limit: Int, filters: String) async throws -> EventsPage {
        try await client.get(EventsPage.self, "/v1/events?after=\(after)&limit=\(limit)" + filters).value
    }

    /// The newest `limit` matching events, oldest first, and the id to follow from. The API pages forward only,
    /// so: read forward from a window before the journal's head, widening the window (x4) until it holds
    /// `limit` matches or reaches the start.
    static func latest(_ client: APIClient, limit: Int, filters: String) async throws -> EventsPage {
        let head = try await client.get(StatusResponse.self, "/v1/status").value.journal.lastID
        var window = Int64(limit)
        while true {
            let start = max(0, head - window)
            var found: [EventView] = []
            var after = start
            while true {
                let page = try await page(client, after: after, limit: 1000, filters: filters)
                found = Array((found + page.events).suffix(limit))
                if page.events.isEmpty || page.nextAfter >= head || page.nextAfter == after { break }
                after = page.nextAfter
            }
            if found.count >= limit || start == 0 {
                // Follow from after the head, or after the last event shown if more came in meanwhile.
                return EventsPage(events: found, nextAfter: max(head, found.last?.id ?? 0))
            }
            window *= 4
        }
    }

    static func line(_ e: EventView) -> String {
        let fields = e.fields.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.contains(" ") ? String(reflecting: $0.value) : $0.value)" }
        return [String(e.id), Format.time(e.time), e.kind, e.kernel ?? "-"].joined(separator: "  ") + "  "
            + fields.joined(separator: " ")
    }

    static func jsonLine(_ e: EventView) -> String {
        (try? APIJSON.line(e)) ?? "{}"
    }
}
