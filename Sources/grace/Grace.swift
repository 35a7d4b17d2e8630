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

            Exit status: 0 success, 1 the configuration has errors, 2 usage or I/O error.
            """,
        version: version,
        subcommands: [
            Validate.self, GraphCommand.self, Plan.self, Run.self, Reload.self, PlaybookCommand.self, JournalCommand.self,
            SnapshotCommand.self, KnowledgeCommand.self, LogsCommand.self, StatusCommand.self, KernelsCommand.self,
            KernelControlCommand.self, EventsCommand.self, RunsCommand.self,
        ]
    )
}

/// Entry point: maps argument errors to exit status 2, as documented, instead of the library's 64.
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
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = Grace.exitCode(for: error)
            if code == .success {
                Grace.exit(withError: error)
            }
            let message = Grace.fullMessage(for: error)
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(code == .failure ? 2 : (code == .validationFailure ? 2 : code.rawValue))
        }
    }
}
