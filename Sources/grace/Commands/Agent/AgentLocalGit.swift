import Foundation
import GraceDSL
import Runtime

/// The configuration's git work tree for a CLI command (approve, revert), with its own reaper and reactor.
struct AgentLocalGit {
    let work: GitWorkTree

    /// The work tree of the configuration root found from the current directory.
    static func open(stateDirectory: URL) async throws -> AgentLocalGit {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        guard let root = ConfigurationLoader.findRoot(from: cwd) else {
            throw CLIError.io("no configuration root found from \(cwd.path): run this inside the configuration's tree")
        }
        let work = GitWorkTree(directory: root.path, runner: try AgentProcessParts.runner(root: root.path))
        guard await work.isRepository() else {
            throw CLIError.refused("\(root.path) is not in a git repository")
        }
        return AgentLocalGit(work: work)
    }
}

/// A command runner for a process that is not Grace (the agent, a CLI command): its reaper reaps only what it
/// spawns.
enum AgentProcessParts {
    static func runner(root: String) throws -> ProcessCommandRunner {
        let reaper = ChildReaper()
        reaper.start(mode: .registeredOnly)
        let reactor: IOReactor
        do {
            reactor = try IOReactor(name: "grace-agent-io")
        } catch {
            throw CLIError.io("cannot start the I/O reactor: \(error)")
        }
        return ProcessCommandRunner(
            locator: ExecutableLocator(root: root, toolDirectories: ToolLocation.directories()), reaper: reaper,
            reactor: reactor)
    }
}
