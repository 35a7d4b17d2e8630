import ArgumentParser
import Foundation
import GraceAPIModels

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
            let (run, data) = try await client.get(RunView.self, "/v1/runs/\(APIClient.escape(id))")
            if options.json { return APIClient.printJSON(data) }
            print(
                "run \(run.id): \(run.playbook) \(run.state), trigger \(Format.text(run.trigger)), "
                    + Self.ms(run.durationMS))
            if let error = run.error { print("error: \(error)") }
            let rows = run.steps.map { s in
                [
                    String(s.index), s.name, Format.text(s.action), s.state, Format.time(s.startedAt),
                    Self.ms(s.durationMS), String(s.attempts), s.error ?? s.detail ?? "",
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
        let (answer, data) = try await client.get(RunsResponse.self, "/v1/runs" + query)
        if options.json { return APIClient.printJSON(data) }
        let rows = answer.runs.map { r in
            [
                r.id, r.playbook, r.state, Format.text(r.trigger), Format.time(r.startedAt), Self.ms(r.durationMS),
                String(r.steps.count),
            ]
        }
        print(
            rows.isEmpty
                ? "no runs"
                : Table.render(header: ["RUN", "PLAYBOOK", "STATE", "TRIGGER", "STARTED", "TOOK", "STEPS"], rows: rows))
    }

    static func ms(_ value: Double?) -> String {
        guard let ms = value else { return "-" }
        return ms < 1000 ? String(format: "%.0f ms", ms) : String(format: "%.2f s", ms / 1000)
    }
}
