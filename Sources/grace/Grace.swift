import ArgumentParser
import Foundation

/// The `grace` command: parses arguments and calls the modules. No logic of its own lives here.
struct Grace: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "grace",
        abstract: "Self-healing supervision for Linux services, declared in YAML.",
        discussion: """
            Grace compiles the YAML in config/ and Playbooks/ (kernels, triggers, playbooks, signatures, \
            refactor intents, fleet, chaos scenarios and gates) into one execution graph. Start with \
            `grace validate` in a directory below the configuration root; `grace run` then supervises the \
            kernels and heals them (see docs/runtime.md).

            Exit status: 0 success, 1 the configuration has errors or the request was refused, 2 usage or I/O \
            error (or Grace is not running). Each command's help says what its statuses mean.
            """,
        version: version,
        groupedSubcommands: [
            CommandGroup(
                name: "Configuration", subcommands: [Validate.self, GraphCommand.self, Plan.self, ReplayCommand.self]),
            CommandGroup(
                name: "Supervision",
                subcommands: [
                    Run.self, Reload.self, ReexecCommand.self, StatusCommand.self, ComponentsCommand.self,
                    FleetCommand.self,
                    KernelsCommand.self,
                    KernelCommand.self,
                    EventsCommand.self, RunsCommand.self, ExplainCommand.self, PlaybookCommand.self, ChaosCommand.self,
                ]),
            CommandGroup(
                name: "State and logs",
                subcommands: [JournalCommand.self, SnapshotCommand.self, KnowledgeCommand.self, LogsCommand.self]),
            CommandGroup(name: "Coding agent", subcommands: [AgentCommand.self]),
            // Earlier spellings, kept working for scripts and hidden from the help. In a group of their own, last:
            // in `subcommands:` they would make the first section empty, and argument-parser then leaves out the
            // "See 'grace help <subcommand>'" line.
            CommandGroup(name: "Hidden", subcommands: [LegacyRestartCommand.self]),
        ]
    )
}

/// The entry point, and the only place that exits: maps every error to the documented exit status (0 success,
/// 1 configuration errors or a refusal, 2 usage or I/O error) instead of the library's 64 for usage errors.
@main
enum Main {
    static func main() async {
        do {
            var command = try Grace.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(status(reporting: error))
        }
    }

    /// Prints what `error` has to say (help and version to stdout, everything else to stderr) and returns the exit
    /// status for it.
    static func status(reporting error: any Error) -> Int32 {
        switch error {
        case let code as ExitCode:
            // The command has already said why.
            return code.rawValue
        case let failure as any CommandFailure:
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            return failure.exitCode.rawValue
        default:
            switch Grace.exitCode(for: error) {
            case .success:
                print(Grace.fullMessage(for: error))
                return 0
            case .validationFailure:
                FileHandle.standardError.write(Data((Grace.fullMessage(for: error) + "\n").utf8))
                return 2
            default:
                // Not an argument error: something the modules threw, an I/O error as far as the user can tell.
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                return 2
            }
        }
    }
}
