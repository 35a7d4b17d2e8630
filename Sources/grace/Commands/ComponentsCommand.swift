import ArgumentParser
import Foundation
import GraceAPIModels

/// `grace components`: Grace's own parts (supervisor, healer, snapshotter, API, control socket, watcher, SIGHUP),
/// each with its state and last heartbeat.
struct ComponentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "components",
        abstract: "List the running Grace's own components with their state and last heartbeat.",
        discussion: """
            Every long-running part of Grace is a service with a heartbeat: a component that stops beating \
            for longer than its interval is stuck. Asks the HTTP API of the running `grace run`.

            Exit status: 0 success, 2 usage or I/O error, or Grace is not running.
            """)

    @OptionGroup var options: APIOptions

    func run() async throws {
        let (answer, data) = try await options.client().get(ComponentsResponse.self, "/v1/components")
        if options.json { return APIClient.printJSON(data) }
        let rows = answer.components.map { c -> [String] in
            [
                c.name, c.silent ? "\(c.state) (silent)" : c.state, Format.duration(Date().timeIntervalSince(c.since)),
                c.heartbeatAgeSeconds.map { String(format: "%.1fs ago", $0) } ?? "never",
                String(format: "%gs", c.heartbeatIntervalSeconds), c.detail ?? "",
            ]
        }
        print(
            rows.isEmpty
                ? "no components"
                : Table.render(header: ["COMPONENT", "STATE", "FOR", "HEARTBEAT", "EVERY", "DETAIL"], rows: rows))
    }
}
