import ArgumentParser
import Foundation

/// `grace runs [ID]`: playbook runs, newest first, or one run with the timing of each step.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List playbook runs of the running Grace, or show one with its steps.",
        discussion: "Exit status: 0 success, 2 unknown run, usage or I/O error, or Grace is not running.")

    @Argument(help: "A run id: show that run step by step.")
    var id: String?

    @Option(help: "Only runs of this playbook.")
    var playbook: String?

    @Option(help: ArgumentHelp("At most this many runs (1-500).", valueName: "count"))
    var limit = 20

    @OptionGroup var options: APIOptions

    func validate() throws {
        guard (1...500).contains(limit) else { throw ValidationError("--limit must be between 1 and 500") }
    }

    func run() async throws {
        let client = try options.client()
        if let id {
            let (_, object) = try await client.json("GET", "/v1/runs/\(APIClient.escape(id))")
            if options.json { return APIClient.printJSON(object) }
            let run = object as? [String: Any] ?? [:]
            print(
                "run \(Format.text(run["id"])): \(Format.text(run["playbook"])) \(Format.text(run["state"]))"
                    + ", trigger \(Format.text(run["trigger"])), \(Self.ms(run["duration_ms"]))")
            if let error = run["error"] as? String { print("error: \(error)") }
            let steps = run["steps"] as? [[String: Any]] ?? []
            let rows = steps.map { s in
                [
                    Format.text(s["index"]), Format.text(s["name"]), Format.text(s["action"]), Format.text(s["state"]),
                    Format.time(s["started_at"] as? String), Self.ms(s["duration_ms"]), Format.text(s["attempts"]),
                    (s["error"] as? String) ?? (s["detail"] as? String) ?? "",
                ]
            }
            if !rows.isEmpty {
                print(
                    Table.render(
                        header: ["#", "STEP", "ACTION", "STATE", "STARTED", "TOOK", "TRIES", "DETAIL"], rows: rows))
            }
            return
        }
        var query = "?limit=\(limit)"
        if let playbook { query += "&playbook=\(APIClient.escape(playbook))" }
        let (_, object) = try await client.json("GET", "/v1/runs" + query)
        if options.json { return APIClient.printJSON(object) }
        let runs = (object as? [String: Any])?["runs"] as? [[String: Any]] ?? []
        let rows = runs.map { r in
            [
                Format.text(r["id"]), Format.text(r["playbook"]), Format.text(r["state"]), Format.text(r["trigger"]),
                Format.time(r["started_at"] as? String), Self.ms(r["duration_ms"]),
                String((r["steps"] as? [Any])?.count ?? 0),
            ]
        }
        print(
            rows.isEmpty
                ? "no runs"
                : Table.render(header: ["RUN", "PLAYBOOK", "STATE", "TRIGGER", "STARTED", "TOOK", "STEPS"], rows: rows))
    }

    static func ms(_ value: Any?) -> String {
        guard let ms = (value as? NSNumber)?.doubleValue else { return "-" }
        return ms < 1000 ? String(format: "%.0f ms", ms) : String(format: "%.2f s", ms / 1000)
    }
}
