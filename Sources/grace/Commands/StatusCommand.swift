import ArgumentParser
import Foundation
import GraceAPIModels

/// `grace status`: the running Grace at a glance, from its HTTP API.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running Grace: role, uptime, kernels, journal, dashboard URL.",
        discussion: """
            Asks the HTTP API of the running `grace run`.

            Exit status: 0 success, 2 usage or I/O error, or Grace is not running.
            """)

    @OptionGroup var options: APIOptions

    func run() async throws {
        let (s, data) = try await options.client().get(StatusResponse.self, "/v1/status")
        if options.json { return APIClient.printJSON(data) }
        let k = s.kernels
        let instance = s.instance.map { " (\($0))" } ?? ""
        let components = (try? await options.client().get(ComponentsResponse.self, "/v1/components"))?.0.components
        print(
            """
            grace \(s.version)\(instance), \(s.role.rawValue), up \(Format.duration(s.uptimeSeconds))
            kernels    \(k.running) of \(k.total) running, \(k.healthy) healthy, \(k.failed) failed
            components \(components.map(Self.summary) ?? "-")
            journal    \(s.journal.entries) entries
            config     \(s.configurationHash)
            dashboard  \(s.dashboard)
            """)
    }
}

extension StatusCommand {
    /// `9 running, 0 silent, 0 failed; restarted: healer 1`: Grace's own components at a glance.
    static func summary(_ components: [ComponentView]) -> String {
        let running = components.filter { $0.state == "running" || $0.state == "idle" }.count
        let silent = components.filter(\.silent).count
        let failed = components.filter { $0.state == "failed" }.count
        let restarted = components.filter { $0.restarts > 0 }.map { "\($0.name) \($0.restarts)" }
        return "\(running) of \(components.count) running, \(silent) silent, \(failed) failed"
            + (restarted.isEmpty ? "" : "; restarted: " + restarted.joined(separator: ", "))
    }
}

/// Small formatting helpers for the client commands' tables.
enum Format {
    static func duration(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        if s < 86400 { return "\(s / 3600)h\(s % 3600 / 60)m" }
        return "\(s / 86400)d\(s % 86400 / 3600)h"
    }

    static func bytes(_ value: Double?) -> String {
        guard let value else { return "-" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = value
        var i = 0
        while v >= 1024 && i < units.count - 1 {
            v /= 1024
            i += 1
        }
        return i == 0 ? "\(Int(v)) B" : String(format: "%.1f %@", v, units[i])
    }

    /// A time as `13:05:01.123` (UTC), with the date in front unless it is today's.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let iso = APITime.format(date)
        let today = APITime.format(Date()).prefix(10)
        let clock = iso.dropFirst(11).prefix(12)
        return iso.prefix(10) == today ? String(clock) : "\(iso.prefix(10)) \(clock)"
    }

    static func flag(_ value: Bool?) -> String {
        value.map { $0 ? "yes" : "no" } ?? "-"
    }

    static func text<T>(_ value: T?) -> String {
        value.map { "\($0)" } ?? "-"
    }
}
