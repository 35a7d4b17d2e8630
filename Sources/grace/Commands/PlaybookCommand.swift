import ArgumentParser
import Foundation
import GraceDSL
import Interpreter
import Runtime

struct PlaybookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playbook", abstract: "Run playbooks by hand.", subcommands: [RunPlaybook.self])
}

struct RunPlaybook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one playbook by hand, through the running Grace (or just show what it would do).",
        discussion: """
            The run goes through the running Grace, so it takes the same kernel locks, is journaled step by \
            step and escalates on failure like a triggered run. --dry-run needs no running Grace: it prints \
            each step as it would be performed, with parameters filled in, and touches nothing.

            Exit status: 0 the run succeeded (or the dry run was printed), 1 the run failed or the configuration \
            has errors, 2 usage or I/O error (an unknown playbook or parameter), or Grace is not running.

            Examples:
              grace playbook run restart-kernel --param kernel=api
              grace playbook run restore-corrupted-data --param kernel=store --dry-run
            """)

    @Argument(help: "The playbook's name.")
    var name: String

    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("A parameter of the playbook, as name=value (repeatable).", valueName: "name=value"))
    var parameters: [String] = []

    @Flag(help: "Print what would happen without doing anything.")
    var dryRun = false

    @OptionGroup var configurationOptions: ConfigurationOptions
    @OptionGroup var state: StateDirectoryOption

    /// The `--param` values by name: each must be name=value with a name, and a name may be given once (a second
    /// value would silently win otherwise).
    var arguments: [String: String] {
        get throws {
            var arguments: [String: String] = [:]
            for p in parameters {
                let parts = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw ValidationError("--param takes name=value, got `\(p)`")
                }
                guard arguments.updateValue(String(parts[1]), forKey: String(parts[0])) == nil else {
                    throw ValidationError("--param \(parts[0]) is given more than once")
                }
            }
            return arguments
        }
    }

    func validate() throws {
        _ = try arguments
    }

    func run() throws {
        let arguments = try arguments
        let hint = "error: fix the configuration first (`grace validate`)"
        let graph = try configurationOptions.compileOrExit(hint: hint).graph
        guard let playbook = graph.playbook(name) else {
            let guess = Suggestion.closest(to: name, in: graph.playbooks.map(\.header.name.value))
            throw CLIError.usage("no playbook `\(name)`" + (guess.map { "; did you mean `\($0)`?" } ?? ""))
        }
        for parameter in playbook.params where parameter.required && arguments[parameter.name.value] == nil {
            throw CLIError.usage(
                "playbook `\(name)` needs --param \(parameter.name.value)=<\(parameter.type.rawValue)>")
        }
        for key in arguments.keys.sorted() where playbook.parameter(key) == nil {
            throw CLIError.usage("playbook `\(name)` has no parameter `\(key)`")
        }
        if dryRun {
            let executor = PlaybookExecutor(
                graph: graph, performer: DryRunPerformer(), journal: DryRunJournal(), clock: ContinuousClock())
            print("dry run of \(name) (nothing is touched):")
            executor.dryRun(name, arguments: arguments, unavailable: RuntimeActionPerformer.unsupported)
                .forEach { print("  \($0)") }
            return
        }
        let socket = try state.resolve().appendingPathComponent("control.sock").path
        let request = ControlRequest(command: .run, playbook: name, arguments: arguments)
        let response: ControlResponse
        do {
            response = try ControlClient.send(request, socket: socket)
        } catch {
            throw CLIError.io(String(describing: error))
        }
        print(response.message)
        response.details.forEach { print("  \($0)") }
        if !response.ok { throw ExitCode(1) }
    }
}
