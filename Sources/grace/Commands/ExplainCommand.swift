import ArgumentParser
import Foundation
import GraceAPIModels

/// `grace explain ID` / `grace explain --kernel NAME`: an incident as a causal chain, from the first observation
/// to what the knowledge base learned.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain an incident: what was seen, what was decided and why, what ran, whether it held.",
        discussion: """
            ID is a run id (`grace runs`) or a journal event id (a number, `grace events`): the incident the run \
            belongs to, or the one the event led to or is part of. With --kernel, the latest incident about that \
            kernel. The chain reads from the first observation (time 0) to the outcome: observations, the \
            condition with its values and thresholds, the decision and why (or why earlier ones ran nothing: \
            cooldown, coalescing, rate limit), each step with its result and timing, the verification, and what \
            the knowledge base learned. The dashboard shows the same chain as a timeline.

            Exit status: 0 success, 2 no such run, event or incident, usage or I/O error, or Grace is not running.

            Examples:
              grace explain heal-crashed-kernel-3
              grace explain 1842
              grace explain --kernel api --json
            """)

    @Argument(help: "A run id, or a journal event id (a number).")
    var id: String?

    @Option(help: ArgumentHelp("The latest incident about this kernel.", valueName: "name"))
    var kernel: String?

    @OptionGroup var options: APIOptions

    func validate() throws {
        switch (id, kernel) {
        case (nil, nil): throw ValidationError("give a run or event id, or --kernel NAME")
        case (.some, .some): throw ValidationError("give either an id or --kernel, not both")
        default: break
        }
    }

    func run() async throws {
        let client = try options.client()
        let path: String
        if let kernel {
            path = "/v1/explain/kernels/\(APIClient.escape(kernel))"
        } else if let id, !id.isEmpty, id.allSatisfy(\.isASCII), id.allSatisfy(\.isNumber) {
            path = "/v1/explain/events/\(id)"
        } else {
            path = "/v1/explain/runs/\(APIClient.escape(id ?? ""))"
        }
        let (incident, data) = try await client.get(IncidentView.self, path)
        if options.json { return APIClient.printJSON(data) }
        print(IncidentText.render(incident), terminator: "")
    }
}
