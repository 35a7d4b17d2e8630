import ArgumentParser
import Foundation
import GraceAPIModels

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
        let (answer, data) = try await options.client().get(KernelsResponse.self, "/v1/kernels")
        if options.json { return APIClient.printJSON(data) }
        let rows = answer.kernels.map { k -> [String] in
            [
                k.name, k.paused ? "paused" : k.state, Format.text(k.pid), Format.duration(k.uptimeSeconds),
                String(k.restarts), Format.flag(k.healthy),
                k.metrics.map { String(format: "%.1f%%", $0.cpuPercent) } ?? "-",
                Format.bytes(k.metrics.map { Double($0.rssBytes) }), k.tier,
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
