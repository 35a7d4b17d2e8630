import ArgumentParser
import ConfigRepair
import Foundation
import GraceDSL
import Runtime

/// `grace agent fix`: repairs an invalid configuration tree in place, without a running Grace.
struct AgentFixCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix",
        abstract: "Repair the configuration's errors that have one unambiguous fix, and write the files.",
        discussion: """
            Applies the compiler's fix-its and Grace's deterministic repairs (YAML syntax, duplicate keys, \
            misspelt keys, kinds and references, units, template names, unused parameters) one at a time; each \
            is kept only if the configuration then compiles with no diagnostic it did not have before. Prints \
            each change and why, then what remains.

            Exit status: 0 the configuration validates now, 1 errors remain, 2 usage or I/O error.

            Examples:
              grace agent fix
              grace agent fix path/to/root --commit
              grace agent fix --json
            """)

    @Argument(
        help: ArgumentHelp(
            "The configuration root, or a file or directory in it. Default: the nearest directory upwards "
                + "with config/grace.yaml.",
            valueName: "path"))
    var path: String?

    @Flag(help: "Commit the changed files with git (author Grace agent), with a Grace-Fix trailer per code.")
    var commit = false

    @Flag(help: "Print a JSON object (changes, remaining diagnostics, fixed) instead of text.")
    var json = false

    func run() async throws {
        let tree = try AgentFixTree.load(path: path)
        // The same git work tree the agent's process commits through (author and committer Grace agent).
        let git =
            commit
            ? GitWorkTree(directory: tree.base.path, runner: try AgentProcessParts.runner(root: tree.base.path)) : nil
        if let git, !(await git.isRepository()) {
            throw CLIError.usage("--commit: \(tree.base.path) is not in a git work tree; nothing was changed")
        }
        let outcome = RepairEngine(options: tree.options).repair(tree.files)
        let report = RepairReport(outcome)
        for file in outcome.changedFiles {
            do {
                let url =
                    file.path.hasPrefix("/")
                    ? URL(fileURLWithPath: file.path) : tree.base.appendingPathComponent(file.path)
                try Data(file.text.utf8).write(to: url, options: .atomic)
            } catch {
                throw CLIError.io("cannot write \(file.path): \(error.localizedDescription)")
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for line in report.lines { print(line) }
            if !outcome.unfixed.isEmpty {
                let sources = Dictionary(outcome.files.map { ($0.path, $0.text) }, uniquingKeysWith: { a, _ in a })
                print(TextDiagnosticRenderer(color: Terminal.wantsColor()).render(outcome.unfixed, sources: sources))
            }
            if report.changes.isEmpty && outcome.unfixed.isEmpty { print("nothing to fix") }
        }
        // After the report, so that what was written is said even when it cannot be committed.
        if let git, !report.files.isEmpty {
            let identity = GitWorkTree.Identity.agent
            let made: String?
            do {
                made = try await git.commit(paths: report.files, message: report.commitMessage, as: identity)
            } catch {
                throw CLIError.io("\(error)")
            }
            if !json {
                print(
                    made == nil
                        ? "nothing to commit: the repaired files are as HEAD has them"
                        : "committed \(report.files.count) file(s) as \(identity.name) <\(identity.email)>")
            }
        }
        if !report.fixed { throw ExitCode(1) }
    }
}

/// The files `grace agent fix` repairs, with paths relative to `base` (where they are written back).
struct AgentFixTree {
    var files: [SourceFile]
    var options: CompilerOptions
    var base: URL

    static func load(path: String?) throws -> AgentFixTree {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let start = path.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL } ?? cwd
        guard FileManager.default.fileExists(atPath: start.path) else {
            throw CLIError.usage("no such path: \(start.path)")
        }
        let urls: [URL]
        let base: URL
        var requireGrace = false
        if let root = ConfigurationLoader.findRoot(from: start),
            path == nil || root.standardizedFileURL.path == start.path
        {
            base = root
            urls = ConfigurationLoader.includes(root: root).map { root.appendingPathComponent($0) }
                .filter { FileManager.default.fileExists(atPath: $0.path) }
            requireGrace = true
        } else if path != nil {
            base = cwd
            urls = [start]
        } else {
            throw CLIError.usage(
                "no configuration root found from \(cwd.path): expected config/grace.yaml here or above; pass a path")
        }
        do {
            let files = try ConfigurationLoader.read(ConfigurationLoader.files(under: urls), relativeTo: base)
            let options = CompilerOptions(
                checkExecutables: false, root: base.path, requireGraceDocument: requireGrace,
                toolDirectories: ToolLocation.directories())
            return AgentFixTree(files: files, options: options, base: base)
        } catch let error as ConfigurationLoader.LoadError {
            throw CLIError.io(error.description)
        }
    }
}
