import ArgumentParser
import Foundation
import GraceAPIModels

/// `grace components [list]|restart NAME|hang NAME`: Grace's own parts (supervisor, healer, snapshotter, agent,
/// API, control socket, watcher, SIGHUP), each with its state, last heartbeat and restarts; restarting one through
/// Grace's root; and wedging one's work loop, a drill's fault.
struct ComponentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "components",
        abstract: "List, restart or hang the running Grace's own components.",
        discussion: """
            Every long-running part of Grace is a component with a heartbeat, supervised by Grace's root: a \
            component that fails or stops beating for three of its intervals is restarted, within the limits \
            of `supervision:` in the grace document; past them the root rebuilds every component, then calls \
            the operator. Asks the HTTP API of the running `grace run`.
            """,
        subcommands: [List.self, Restart.self, Hang.self],
        defaultSubcommand: List.self)
}

extension ComponentsCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the components with their state, last heartbeat and restarts.",
            discussion: "Exit status: 0 success, 2 usage or I/O error, or Grace is not running.")

        @OptionGroup var options: APIOptions

        func run() async throws {
            let (answer, data) = try await options.client().get(ComponentsResponse.self, "/v1/components")
            if options.json { return APIClient.printJSON(data) }
            let rows = answer.components.map { c -> [String] in
                [
                    c.name, c.silent ? "\(c.state) (silent)" : c.state,
                    Format.duration(Date().timeIntervalSince(c.since)),
                    c.heartbeatAgeSeconds.map { String(format: "%.1fs ago", $0) } ?? "never",
                    String(format: "%gs", c.heartbeatIntervalSeconds), String(c.restarts), c.detail ?? "",
                ]
            }
            print(
                rows.isEmpty
                    ? "no components"
                    : Table.render(
                        header: ["COMPONENT", "STATE", "FOR", "HEARTBEAT", "EVERY", "RESTARTS", "DETAIL"], rows: rows))
        }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restart a component through Grace's root (the agent: its process too).",
            discussion: """
                Also starts a component the root gave up on. The request needs the API token (<state dir>/\
                api.token, read automatically); `grace events --follow` shows component.restarted.

                Exit status: 0 accepted, 1 refused (the supervisor: only `grace reexec` restarts it), 2 unknown \
                component, missing token, usage or I/O error, or Grace is not running.
                """)

        @Argument(help: "The component's name, as `grace components` lists it.")
        var component: String

        @OptionGroup var options: APIOptions

        func run() async throws {
            let path = "/v1/components/\(APIClient.escape(component))/restart"
            let (reply, data) = try await options.client().get(MessageResponse.self, path, method: "POST")
            if options.json { return APIClient.printJSON(data) }
            print(reply.message)
        }
    }

    struct Hang: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wedge a component's work loop until the root restarts it (a drill's fault).",
            discussion: """
                The component stops taking work and beating, as a hang would; Grace's root notices the \
                silence after three heartbeat intervals and restarts it. Only components with a work loop of \
                their own (the healer) can be hung.

                Exit status: 0 accepted, 1 refused (no loop to wedge), 2 unknown component, missing token, usage \
                or I/O error, or Grace is not running.
                """)

        @Argument(help: "The component's name, as `grace components` lists it.")
        var component: String

        @OptionGroup var options: APIOptions

        func run() async throws {
            let path = "/v1/components/\(APIClient.escape(component))/hang"
            let (reply, data) = try await options.client().get(MessageResponse.self, path, method: "POST")
            if options.json { return APIClient.printJSON(data) }
            print(reply.message)
        }
    }
}
