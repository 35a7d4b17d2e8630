import ArgumentParser
import Foundation
import GraceDSL
import Runtime

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a change between two git revisions of the configuration would do on reload.",
        discussion: """
            Compiles the configuration as it was at REV_A and at REV_B (read with git, the working tree is not \
            touched) and compares the graphs document by document: which kernels a reload would start, restart \
            or stop, and which triggers, playbooks and other documents are added, removed or changed. A \
            revision that does not compile is reported with its diagnostics: a reload to it would be refused.

            Exit status: 0 REV_B compiles, 1 REV_B has errors, 2 usage or I/O error (a bad range, an unknown \
            revision).

            Examples:
              grace plan HEAD~1..HEAD
              grace plan main..my-branch --format json
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: ArgumentHelp("Two revisions, REV_A..REV_B (anything `git rev-parse` accepts).", valueName: "range"))
    var range: String

    @Option(name: .shortAndLong, help: "The output format.")
    var format: Format = .text

    func validate() throws {
        let parts = range.components(separatedBy: "..")
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !range.contains("...") else {
            throw ValidationError("expected REV_A..REV_B, e.g. HEAD~1..HEAD; got `\(range)`")
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
        switch format {
        case .text: print(plan.text(color: Terminal.wantsColor()), terminator: "")
        case .json: print(plan.json())
        }
        if plan.newErrors > 0 { throw ExitCode(1) }
    }

    private func relative(_ url: URL, to base: URL) -> String {
        let a = url.standardizedFileURL.resolvingSymlinksInPath().path
        let b = base.standardizedFileURL.resolvingSymlinksInPath().path
        if a == b { return "" }
        return a.hasPrefix(b + "/") ? String(a.dropFirst(b.count + 1)) : ""
    }
}
