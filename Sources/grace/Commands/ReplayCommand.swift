import ArgumentParser
import Foundation
import GraceDSL
import Interpreter
import Runtime

/// `grace replay`: what another configuration's triggers would have decided over recorded history.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-evaluate triggers over recorded history with another configuration (a dry run).",
        discussion: """
            Feeds what Grace observed between --from and --to (the journal, and the metric samples, heartbeats, \
            log lines and sightings kept under `history:`) to the triggers of a configuration, on a simulated \
            clock, and compares their decisions with what was decided then: per trigger how often it fired and \
            ran then and now, the runs that would start or no longer start, and the first moment each trigger's \
            decisions differ. Nothing is executed. The ten minutes before --from warm the triggers up (windows, \
            cooldowns) without being reported. Replaying the configuration that ran reproduces what happened.

            The configuration is the one on disk (the root found from here), or --config DIR (another \
            configuration root), or --rev REV (the root's files at a git revision), or with --as-ran the one that \
            ran in each stretch (starts and reloads name it by hash; it is looked for on disk and in the last 200 \
            commits of the configuration). The history is read from the state directory directly: Grace need not \
            be running.

            Times are ISO 8601 (2026-12-06T03:00:00Z), `now`, or a duration meaning that long ago (24h, 90m).

            Exit status: 0 the replay ran (whatever it found), 1 the configuration does not compile, 2 usage or \
            I/O error.

            Examples:
              grace replay --rev HEAD --from 24h
              grace replay --as-ran --from 6h
              grace replay --config ../candidate --from 2026-12-05T00:00:00Z --to 2026-12-06T00:00:00Z --json
            """)

    @Option(
        help: ArgumentHelp(
            "Another configuration root to replay (a directory with config/grace.yaml).", valueName: "dir"))
    var config: String?

    @Option(help: ArgumentHelp("Replay the configuration as it is at this git revision.", valueName: "rev"))
    var rev: String?

    @Flag(
        name: .customLong("as-ran"),
        help: "Replay each stretch with the configuration that ran then (found in the git history by its hash).")
    var asRan = false

    @Option(help: ArgumentHelp("Start of the window (default 24h ago).", valueName: "time"))
    var from = "24h"

    @Option(help: ArgumentHelp("End of the window (default now).", valueName: "time"))
    var to = "now"

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var state: StateDirectoryOption

    func validate() throws {
        if [config != nil, rev != nil, asRan].filter({ $0 }).count > 1 {
            throw ValidationError("--config, --rev and --as-ran cannot be used together")
        }
        let now = Date()
        guard let start = ReplayWindow.time(from, now: now) else {
            throw ValidationError("--from: expected an ISO 8601 time, `now` or a duration such as 24h; got `\(from)`")
        }
        guard let end = ReplayWindow.time(to, now: now) else {
            throw ValidationError("--to: expected an ISO 8601 time, `now` or a duration such as 24h; got `\(to)`")
        }
        guard start < end else { throw ValidationError("--from must be before --to") }
    }

    func run() throws {
        let now = Date()
        guard let start = ReplayWindow.time(from, now: now), let end = ReplayWindow.time(to, now: now) else {
            throw ValidationError("bad window")
        }
        var (graph, label) = try compile()
        let store = try JournalCommand.openStore(state)
        let report: ReplayReport
        if asRan {
            let configurations = try configurationsThatRan(store: store, from: start, to: end, onDisk: graph)
            label = "the configurations that ran (\(configurations.count) found)"
            report = try HistoryReplay.asRan(
                configurations: configurations,
                fallback: .init(graph: graph, disabled: RuntimeSupport.unobservableTriggers(in: graph)), store: store,
                from: start, to: end)
        } else {
            report = try HistoryReplay.compare(graph: graph, store: store, from: start, to: end)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            var object =
                (try JSONSerialization.jsonObject(with: try encoder.encode(report))) as? [String: Any] ?? [:]
            object["configuration"] = label
            object["identical"] = report.identical
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(ReplayWindow.text(report, configuration: label), terminator: "")
    }

    /// The configurations the window's starts and reloads name, by the first 16 hex digits of their content hash:
    /// the one on disk, then the commits that changed the configuration, newest first (at most 200), until every one
    /// is found.
    private func configurationsThatRan(store: StateStore, from: Date, to: Date, onDisk: ExecutionGraph) throws
        -> [String: Replayer.Configuration]
    {
        let wanted = Set(try HistoryReplay.recording(store: store, from: from, to: to, warmup: .seconds(600)).graphs)
        var found: [String: Replayer.Configuration] = [:]
        func add(_ graph: ExecutionGraph) {
            let hash = String(graph.contentHash.prefix(16))
            if wanted.contains(hash), found[hash] == nil {
                found[hash] = .init(graph: graph, disabled: RuntimeSupport.unobservableTriggers(in: graph))
            }
        }
        add(onDisk)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let repository = GitRepository(directory: cwd)
        guard found.count < wanted.count, let top = try? repository.topLevel() else { return found }
        let root = ConfigurationLoader.findRoot(from: cwd) ?? top
        let prefix = ReplayWindow.relative(root, to: top)
        let includes = ConfigurationLoader.includes(root: root).map { prefix.isEmpty ? $0 : "\(prefix)/\($0)" }
        let compiler = Compiler(options: CompilerOptions(checkExecutables: false))
        for commit in (try? repository.commits(touching: includes, limit: 200)) ?? [] {
            guard found.count < wanted.count else { break }
            guard let files = try? repository.yamlFiles(at: commit, under: includes),
                let graph = compiler.compile(files).graph
            else { continue }
            add(graph)
        }
        return found
    }

    /// The configuration to replay and how to name it.
    private func compile() throws -> (ExecutionGraph, String) {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let files: [SourceFile]
        let label: String
        if let rev {
            let repository = GitRepository(directory: cwd)
            do {
                let top = try repository.topLevel()
                let root = ConfigurationLoader.findRoot(from: cwd) ?? top
                let prefix = ReplayWindow.relative(root, to: top)
                let includes = ConfigurationLoader.includes(root: root).map {
                    prefix.isEmpty ? $0 : "\(prefix)/\($0)"
                }
                let commit = try repository.resolve(rev)
                files = try repository.yamlFiles(at: commit, under: includes)
                label = "\(rev) (\(commit.prefix(12)))"
            } catch let error as GitRepository.Failure {
                throw CLIError.io(error.description)
            }
        } else {
            let start = config.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL } ?? cwd
            guard let root = ConfigurationLoader.findRoot(from: start) else {
                throw CLIError.io("no configuration root at \(start.path): expected config/grace.yaml")
            }
            let urls = ConfigurationLoader.includes(root: root).map { root.appendingPathComponent($0) }
                .filter { FileManager.default.fileExists(atPath: $0.path) }
            do {
                files = try ConfigurationLoader.read(ConfigurationLoader.files(under: urls), relativeTo: cwd)
            } catch let error as ConfigurationLoader.LoadError {
                throw CLIError.io(error.description)
            }
            label = config == nil ? "the configuration on disk" : root.path
        }
        let result = Compiler(options: CompilerOptions(checkExecutables: false)).compile(files)
        guard let graph = result.graph else {
            let errors = result.diagnostics.filter { $0.severity == .error }
            FileHandle.standardError.write(
                Data(
                    ("grace replay: \(label) does not compile (\(errors.count) error(s)); "
                        + "`grace validate` shows them\n").utf8))
            throw ExitCode(1)
        }
        return (graph, label)
    }
}

/// Times and text of `grace replay` (and of `grace plan --replay`).
enum ReplayWindow {
    /// `now`, a duration ago (`24h`), or an ISO 8601 time.
    static func time(_ text: String, now: Date) -> Date? {
        if text == "now" { return now }
        if let ago = DurationParser.parse(text) { return now.addingTimeInterval(-Double(ago.milliseconds) / 1000) }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    static func relative(_ url: URL, to base: URL) -> String {
        let a = url.standardizedFileURL.resolvingSymlinksInPath().path
        let b = base.standardizedFileURL.resolvingSymlinksInPath().path
        if a == b { return "" }
        return a.hasPrefix(b + "/") ? String(a.dropFirst(b.count + 1)) : ""
    }

    /// The window's length as a duration (`24h`).
    static func length(_ report: ReplayReport) -> String {
        DurationParser.format(.seconds(Int64(max(1, report.to.timeIntervalSince(report.from)).rounded())))
    }

    /// The report for people.
    static func text(_ report: ReplayReport, configuration: String) -> String {
        let iso = ISO8601DateFormatter()
        var out = "replay of \(configuration) over \(iso.string(from: report.from)) .. \(iso.string(from: report.to))"
        out += " (\(length(report)))\n"
        if report.triggers.isEmpty {
            out += "no trigger fired then, and none would fire now\n"
        } else {
            let rows = report.triggers.map { t in
                [
                    t.trigger, String(t.firedThen), String(t.firedNow), String(t.runsThen), String(t.runsNow),
                    t.firstDifference.map { iso.string(from: $0) } ?? "-",
                ]
            }
            out += Table.render(
                header: ["TRIGGER", "FIRED THEN", "FIRED NOW", "RUNS THEN", "RUNS NOW", "FIRST DIFFERENCE"], rows: rows)
            out += "\n"
        }
        for change in report.changes {
            let about = change.kernel.map { " on \($0)" } ?? ""
            let value = change.evidence["value"].map { " (value \($0))" } ?? ""
            out += "\(iso.string(from: change.time))  \(change.trigger)\(about) \(change.change): "
            out += "\(change.playbook)\(value)\n"
        }
        for sentence in report.sentences(over: "the \(length(report)) replayed") { out += sentence + "\n" }
        if report.identical {
            out += "identical: \(report.firedNow) firing(s) and \(report.runsNow) run(s), as decided then\n"
        }
        for note in report.notes { out += "note: \(note)\n" }
        return out
    }
}
