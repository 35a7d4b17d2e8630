import ArgumentParser
import Foundation

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
        let (_, object) = try await options.client().json("GET", "/v1/status")
        if options.json { return APIClient.printJSON(object) }
        let s = object as? [String: Any] ?? [:]
        let k = s["kernels"] as? [String: Any] ?? [:]
        let j = s["journal"] as? [String: Any] ?? [:]
        let instance = (s["instance"] as? String).map { " (\($0))" } ?? ""
        let uptime = Format.duration(s["uptime_seconds"] as? Double)
        print(
            """
            grace \(s["version"] ?? "?")\(instance), \(s["role"] ?? "?"), up \(uptime)
            kernels    \(k["running"] ?? 0) of \(k["total"] ?? 0) running, \(k["healthy"] ?? 0) healthy, \
            \(k["failed"] ?? 0) failed
            journal    \(j["entries"] ?? 0) entries
            config     \(s["configuration_hash"] as? String ?? "?")
            dashboard  \(s["dashboard"] as? String ?? "?")
            """)
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

    /// `2026-11-26T13:05:01.123Z` -> `13:05:01.123` (the date is dropped for today's times).
    static func time(_ iso: String?) -> String {
        guard let iso, iso.count >= 23 else { return iso ?? "-" }
        let today = ISO8601DateFormatter().string(from: Date()).prefix(10)
        let day = iso.prefix(10)
        let clock = iso.dropFirst(11).prefix(12)
        return day == today ? String(clock) : "\(day) \(clock)"
    }

    /// A JSON value as text; numbers as numbers (Foundation's JSON numbers also cast to Bool, so booleans are
    /// asked for explicitly with `flag`).
    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: "-"
        case let n as NSNumber: n.stringValue
        case let v?: "\(v)"
        }
    }

    static func flag(_ value: Any?) -> String {
        guard let n = value as? NSNumber else { return "-" }
        return n.boolValue ? "yes" : "no"
    }
}
