import ArgumentParser
import Foundation
import GraceDSL
import Interpreter
import Runtime

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a change between two git revisions of the configuration would do on reload.",
        discussion: """
            Compiles the configuration as it was at REV_A and at REV_B (read with git, the working tree is not \
            touched) and compares the graphs document by document: which kernels a reload would start, restart \
            or stop, and which triggers, playbooks and other documents are added, removed or changed. A \
            revision that does not compile is reported with its diagnostics: a reload to it would be refused.

            With --replay DURATION, both revisions' triggers are also replayed over the history Grace recorded in \
            that window (see `grace replay`) and their decisions compared: which triggers would fire more or less \
            often, and the runs REV_B would start or no longer start.

            Exit status: 0 REV_B compiles, 1 REV_B has errors, 2 usage or I/O error (a bad range, an unknown \
            revision).

            Examples:
              grace plan HEAD~1..HEAD
              grace plan main..my-branch --format json
              grace plan HEAD~1..HEAD --replay 24h
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: ArgumentHelp("Two revisions, REV_A..REV_B (anything `git rev-parse` accepts).", valueName: "range"))
    var range: String

    @Option(name: .shortAndLong, help: "The output format.")
    var format: Format = .text

    @Option(
        help: ArgumentHelp(
            "Also replay both revisions over the recorded history of this long ago until now.", valueName: "duration"))
    var replay: String?

    @OptionGroup var state: StateDirectoryOption

    func validate() throws {
        let parts = range.components(separatedBy: "..")
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !range.contains("...") else {
            throw ValidationError("expected REV_A..REV_B, e.g. HEAD~1..HEAD; got `\(range)`")
        }
        if let replay, DurationParser.parse(replay) == nil {
            throw ValidationError("--replay: expected a duration such as 24h; got `\(replay)`")
        }
    }

    func run() throws {
        let parts = range.components(separatedBy: "..")
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let repository = GitRepository(directory: cwd)
        let plan: ConfigurationPlan
        do {
            let top = try repository.topLevel()
            let root = ConfigurationLoader.findRoot(from: cwd) ?? top
            let prefix = relative(root, to: top)
            let includes = ConfigurationLoader.includes(root: root).map { prefix.isEmpty ? $0 : "\(prefix)/\($0)" }
            plan = try ConfigurationPlan.make(
                repository: repository, from: parts[0], to: parts[1], paths: includes)
        } catch let error as GitRepository.Failure {
            throw CLIError.io(error.description)
        }
        let replayed = try replay.flatMap { try replayReport(plan, window: $0) }
        switch format {
        case .text:
            print(plan.text(color: Terminal.wantsColor()), terminator: "")
            if let replay, let replayed {
                print("\nreplay of \(parts[0]) and \(parts[1]) over the last \(replay) of recorded history:")
                print(ReplayWindow.text(replayed, configuration: "\(parts[1]) against \(parts[0])"), terminator: "")
            } else if replay != nil {
                print("\nno replay: both revisions must compile and Grace must have recorded history here")
            }
        case .json:
            guard let replayed else { return print(plan.json()) }
            var object = (try? JSONSerialization.jsonObject(with: Data(plan.json().utf8))) as? [String: Any] ?? [:]
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            var report = (try? JSONSerialization.jsonObject(with: encoder.encode(replayed))) as? [String: Any] ?? [:]
            report["identical"] = replayed.identical
            object["replay"] = report
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
        if plan.newErrors > 0 { throw ExitCode(1) }
    }

    /// Both revisions replayed over the recorded history; nil when either does not compile or nothing is recorded.
    private func replayReport(_ plan: ConfigurationPlan, window: String) throws -> ReplayReport? {
        guard let old = plan.graphs.from, let new = plan.graphs.to, let length = DurationParser.parse(window) else {
            return nil
        }
        guard let store = try JournalCommand.openStoreIfPresent(directory: state.resolve()) else { return nil }
        let to = Date()
        let from = to.addingTimeInterval(-Double(length.milliseconds) / 1000)
        return try HistoryReplay.compare(then: old, now: new, store: store, from: from, to: to)
    }

    private func relative(_ url: URL, to base: URL) -> String {
        let a = url.standardizedFileURL.resolvingSymlinksInPath().path
        let b = base.standardizedFileURL.resolvingSymlinksInPath().path
        if a == b { return "" }
        return a.hasPrefix(b + "/") ? String(a.dropFirst(b.count + 1)) : ""
    }
}
