import ArgumentParser
import Foundation
import GraceAgent
import GraceDSL
import Logging
import Runtime

/// `grace agent run`: the coding agent's process. Grace starts it as the kernel grace-agent when
/// `agent.enabled` is true; running it by hand is for debugging.
struct AgentRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the coding agent's process (Grace runs it as the kernel grace-agent; see `grace agent`).",
        discussion: """
            Works the queue in <state_dir>/agent.sqlite until stopped: plans each task's change, passes it \
            through the gate, commits it with git, asks the Grace of that state directory to reload (over its \
            control socket), watches and reverts. Tells its supervisor it is ready and alive over sd_notify \
            when NOTIFY_SOCKET is set. A kill at any moment loses no task: each resumes from its last state.
            """)

    @Option(help: ArgumentHelp("The configuration root. Default: found from the current directory.", valueName: "path"))
    var root: String?

    @OptionGroup var state: StateDirectoryOption

    @Option(help: "How verbose the log on standard error is (trace, debug, info, notice, warning, error, critical).")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "grace-agent")
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        guard
            let rootURL = root.map({ URL(fileURLWithPath: $0, relativeTo: cwd) })
                ?? ConfigurationLoader.findRoot(from: cwd)
        else {
            throw CLIError.usage("no configuration root found from \(cwd.path); pass --root")
        }
        let rootPath = rootURL.standardizedFileURL.path
        // Grace passes --state-dir; by hand, the root's own, as every other command resolves it.
        let stateDirectory =
            state.stateDir != nil ? try state.resolve() : try ConfiguredRoot.load(from: rootURL).stateDirectory
        let store: AgentTaskStore
        do {
            store = try AgentTaskStore(stateDirectory: stateDirectory)
        } catch {
            throw CLIError.io(error.description)
        }
        let runner = try AgentProcessParts.runner(root: rootPath)
        let work = GitWorkTree(directory: rootPath, runner: runner)
        let git = await work.isRepository() ? work : nil
        if git == nil { logger.warning("\(rootPath) is not in a git repository: changes are written without commits") }
        let journalPath = stateDirectory.appendingPathComponent("grace.sqlite").path
        let journal = FileManager.default.fileExists(atPath: journalPath) ? try? StateStore(path: journalPath) : nil
        let socket = stateDirectory.appendingPathComponent("control.sock").path
        let notifier = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"].flatMap { try? NotifySender(path: $0) }
        let pings = PingThrottle()
        var configuration = AgentWorker.Configuration(root: rootPath, stateDirectory: stateDirectory)
        configuration.toolDirectories = ToolLocation.directories()
        let worker = AgentWorker(
            configuration: configuration, store: store, runner: runner, git: git, journal: journal, logger: logger,
            reload: {
                await Task.detached {
                    do {
                        let response = try ControlClient.send(ControlRequest(command: .reload), socket: socket)
                        return (response.ok, response.message)
                    } catch {
                        return (false, String(describing: error))
                    }
                }.value
            },
            alive: {
                if pings.due() { try? notifier?.send("WATCHDOG=1") }
            })
        try? notifier?.send("READY=1\nSTATUS=working the queue in \(store.path)")
        // The watchdog's pings come from a thread of their own, every second, whatever the task loop is doing (a
        // verify command may take minutes): a frozen (SIGSTOP) or dead process misses them within one heartbeat
        // period; a task loop that is stuck shows instead as the `agent` component's silence (its queue heartbeat).
        if let notifier {
            let pinger = Thread {
                while true {
                    try? notifier.send("WATCHDOG=1")
                    Thread.sleep(forTimeInterval: 1)
                }
            }
            pinger.name = "grace-agent-watchdog"
            pinger.start()
        }
        logger.info("agent working \(store.path) for \(rootPath)")
        await worker.run()
    }
}

/// At most one watchdog ping a second, whoever asks.
final class PingThrottle: @unchecked Sendable {
    // @unchecked: `last` is guarded by `lock`.
    private let lock = NSLock()
    private var last = ContinuousClock.now - .seconds(10)

    func due() -> Bool {
        lock.withLock {
            let now = ContinuousClock.now
            guard now - last >= .seconds(1) else { return false }
            last = now
            return true
        }
    }
}
