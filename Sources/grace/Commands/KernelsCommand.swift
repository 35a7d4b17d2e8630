import ArgumentParser
import Foundation

/// `grace kernels`: every kernel with its state, pid, uptime, restarts, health and last metrics.
struct KernelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "List the supervised kernels of the running Grace.",
        discussion: """
            Asks the HTTP API of the running `grace run`.

            Exit status: 0 success, 2 usage or I/O error, or Grace is not running.
            """)

    @OptionGroup var options: APIOptions

    func run() async throws {
        let (_, object) = try await options.client().json("GET", "/v1/kernels")
        if options.json { return APIClient.printJSON(object) }
        let kernels = (object as? [String: Any])?["kernels"] as? [[String: Any]] ?? []
        let rows = kernels.map { k -> [String] in
            let m = k["metrics"] as? [String: Any]
            let state = (k["paused"] as? Bool == true) ? "paused" : Format.text(k["state"])
            return [
                Format.text(k["name"]), state, Format.text(k["pid"]), Format.duration(k["uptime_seconds"] as? Double),
                Format.text(k["restarts"]), Format.flag(k["healthy"]),
                (m?["cpu_percent"] as? Double).map { String(format: "%.1f%%", $0) } ?? "-",
                Format.bytes((m?["rss_bytes"] as? NSNumber)?.doubleValue), Format.text(k["tier"]),
            ]
        }
        print(
            rows.isEmpty
                ? "no kernels"
                : Table.render(
                    header: ["KERNEL", "STATE", "PID", "UPTIME", "RESTARTS", "HEALTHY", "CPU", "RSS", "TIER"],
                    rows: rows))
    }
}
