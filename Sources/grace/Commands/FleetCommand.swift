import ArgumentParser
import Foundation
import GraceAPIModels

/// `grace fleet status|switchover|quarantine|rejoin`: this instance's view of its fleet, and the operator's moves.
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Show the fleet this Grace is an instance of, switch over, quarantine or rejoin an instance.",
        discussion: """
            Instances of a fleet agree on one primary through a lease (a lock file on one host, etcd across \
            hosts); the primary runs the kernels and answers 200 on /v1/role, standbys answer 503. Asks the HTTP \
            API of the running `grace run` (--instance NAME: another instance run from this configuration root). \
            See docs/fleet.md.
            """,
        subcommands: [Status.self, Switchover.self, Quarantine.self, Rejoin.self],
        defaultSubcommand: Status.self)
}

extension FleetCommand {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the instances, which is present, which holds the lease and its fencing token.",
            discussion: "Exit status: 0 success, 2 usage or I/O error, or this Grace runs as no fleet instance.")

        @OptionGroup var options: APIOptions

        func run() async throws {
            let (view, data) = try await options.client().get(FleetView.self, "/v1/fleet")
            if options.json { return APIClient.printJSON(data) }
            var lines = [
                "fleet \(view.fleet): \(view.instance) is \(view.state) for "
                    + Format.duration(Date().timeIntervalSince(view.since)) + " (\(view.backend) lease)",
                "primary: " + (view.holder.map { "\($0) (token \(view.token ?? 0))" } ?? "none"),
            ]
            if let until = view.quarantinedUntil {
                lines.append("quarantined until \(ISO8601DateFormatter().string(from: until))")
            }
            if let report = view.healReport { lines.append("checks: \(report)") }
            if let error = view.backendError { lines.append("lease backend: \(error)") }
            if !view.heldKernels.isEmpty {
                lines.append("held by the role: \(view.heldKernels.joined(separator: ", "))")
            }
            print(lines.joined(separator: "\n"))
            let rows = view.members.map { m in
                [
                    m.instance, m.declared, String(m.priority), m.api, m.present ? "yes" : "no",
                    m.holder ? "primary" : (m.present ? "standby" : "-"),
                ]
            }
            print(Table.render(header: ["INSTANCE", "DECLARED", "PRIORITY", "API", "PRESENT", "NOW"], rows: rows))
        }
    }

    struct Switchover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hand the primary's lease to a standby, orderly (the primary demotes itself first).",
            discussion: """
                Ask the primary (--instance NAME if it is another instance of this root). It stops its \
                primary-only kernels, gives the lease up, and the named standby (or the present one of highest \
                priority) takes it and promotes itself. `grace events --follow` shows fleet.demoted and \
                fleet.promoted.

                Exit status: 0 accepted, 1 refused (not the primary, no such standby), 2 usage or I/O error.
                """)

        @Option(help: ArgumentHelp("The standby to hand over to (default: the best present one).", valueName: "name"))
        var to: String?

        @OptionGroup var options: APIOptions

        func run() async throws {
            let body = try JSONEncoder().encode(FleetRequest(instance: to))
            let (reply, data) = try await options.client().get(
                MessageResponse.self, "/v1/fleet/switchover", method: "POST", body: body)
            if options.json { return APIClient.printJSON(data) }
            print(reply.message)
        }
    }

    struct Quarantine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take an instance out of the fleet until healed (default: the one asked).",
            discussion: """
                The instance stops its kernels, gives the lease up if it holds it, and runs its checks in \
                isolation (its configuration compiles, its journal's chain holds, its snapshots match); once they \
                pass and the quarantine time is over, it rejoins as a standby. An instance that is down acts on \
                it when it starts again.

                Exit status: 0 accepted, 1 refused, 2 usage or I/O error.
                """)

        @Argument(help: "The instance to quarantine (default: the instance asked).")
        var target: String?

        @Option(
            name: .customLong("for"),
            help: ArgumentHelp("How long (default: the fleet's `quarantine`).", valueName: "duration"))
        var duration: String?

        @OptionGroup var options: APIOptions

        func run() async throws {
            let body = try JSONEncoder().encode(FleetRequest(instance: target, duration: duration))
            let (reply, data) = try await options.client().get(
                MessageResponse.self, "/v1/fleet/quarantine", method: "POST", body: body)
            if options.json { return APIClient.printJSON(data) }
            print(reply.message)
        }
    }

    struct Rejoin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End an instance's quarantine now; it rejoins as a standby once its checks pass.",
            discussion: "Exit status: 0 accepted, 1 refused, 2 usage or I/O error.")

        @Argument(help: "The quarantined instance (default: the instance asked).")
        var target: String?

        @OptionGroup var options: APIOptions

        func run() async throws {
            let body = try JSONEncoder().encode(FleetRequest(instance: target))
            let (reply, data) = try await options.client().get(
                MessageResponse.self, "/v1/fleet/rejoin", method: "POST", body: body)
            if options.json { return APIClient.printJSON(data) }
            print(reply.message)
        }
    }
}
