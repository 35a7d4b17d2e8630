import ConfigRepair
import Foundation
import GraceDSL
import Interpreter
import Logging
import Runtime

/// The coding agent's task loop: takes the oldest task (one it was in the middle of first), plans changes, passes
/// them through the gate, commits the first that passes, has Grace reload, watches what it touched and reverts
/// it if that got worse. Every state change is a transaction of the queue, so a crash or `kill -9` of the agent
/// leaves each task where it was recorded, and the next agent resumes it from there:
///
/// - queued, planning, verifying: nothing was written yet; planning starts again (attempts counted, three at most),
///   unless git already has a commit with the task's trailer (the crash came between the commit and its record),
///   which is adopted instead of committing twice;
/// - committed: the reload is asked for again (a reload of an unchanged tree does nothing);
/// - watching: the window goes on to its recorded end.
public actor AgentWorker {
    /// Where the agent works and how it reaches Grace.
    public struct Configuration: Sendable {
        /// The configuration root.
        public var root: String
        /// Grace's state directory (the queue, the journal, the control socket, kernels' logs).
        public var stateDirectory: URL
        /// Directories searched for commands' executables before PATH (where `grace` lives).
        public var toolDirectories: [String] = []
        /// How often an idle agent looks at the queue.
        public var pollInterval: Duration = .milliseconds(100)
        /// The watch window when the grace document does not set `knowledge.success_window`.
        public var watchWindow: Duration?
        /// Planning attempts before a task fails (each crash mid-planning counts one).
        public var maxAttempts = 3

        /// A configuration for `root` and its state directory.
        public init(root: String, stateDirectory: URL) {
            self.root = root
            self.stateDirectory = stateDirectory
        }
    }

    let configuration: Configuration
    let store: AgentTaskStore
    let runner: ProcessCommandRunner
    let git: GitWorkTree?
    let watch: AgentWatch
    let logger: Logger
    let workspace: AgentWorkspace
    let gate: AgentGate
    let planners: [any TaskPlanner]
    /// The language-model planner (last of `planners`), kept to tell why it proposed nothing.
    let llm: LLMPlanner
    /// Asks Grace to reload; answers whether it applied (or found nothing to change) and its message.
    let reload: @Sendable () async -> (ok: Bool, message: String)
    /// Called on every loop turn (the sd_notify watchdog ping).
    let alive: @Sendable () -> Void
    /// When `beat` last wrote the heartbeat to the queue.
    var heartbeatRecorded: Date?
    /// Patterns a task will learn once its change held, by task id (lost if the agent dies mid-window).
    var pendingPatterns: [Int64: (cause: String, body: String)] = [:]

    /// An agent working `store` for the tree at `configuration.root`.
    public init(
        configuration: Configuration, store: AgentTaskStore, runner: ProcessCommandRunner, git: GitWorkTree?,
        journal: StateStore?, logger: Logger,
        reload: @escaping @Sendable () async -> (ok: Bool, message: String),
        alive: @escaping @Sendable () -> Void = {}
    ) {
        self.configuration = configuration
        self.store = store
        self.runner = runner
        self.git = git
        self.logger = logger
        self.reload = reload
        self.alive = alive
        watch = AgentWatch(journal: journal, logDirectory: configuration.stateDirectory.appendingPathComponent("logs"))
        let workspace = AgentWorkspace(root: configuration.root, toolDirectories: configuration.toolDirectories)
        self.workspace = workspace
        var gate = AgentGate(workspace: workspace, runner: runner) { since in
            (try? store.commits(since: since)) ?? 0
        }
        gate.history = journal
        self.gate = gate
        // Only used when the grace document says `agent.planner: llm`; its requests go through `HTTPClient.shared`,
        // which lives as long as the process and needs no shutdown.
        let llm = LLMPlanner()
        self.llm = llm
        planners = [
            RepairTaskPlanner(options: workspace.options),
            LastGoodFilePlanner(),
            MissingParameterPlanner(),
            LearnSignaturePlanner(),
            RefactorTaskPlanner(
                kernelPID: { [journal] kernel in (try? journal?.kernelRecords())?.first { $0.name == kernel }?.pid },
                history: journal),
            llm,
        ]
    }

    /// Works tasks until cancelled. A hang asked for by a drill (`grace components hang agent`) wedges the loop: no
    /// more work and no more heartbeats in the queue, while the watchdog thread goes on pinging, as a loop stuck on
    /// a call that never returns would. A new process withdraws the request first.
    public func run() async {
        try? store.setHangRequested(false)
        while !Task.isCancelled {
            if (try? store.isHangRequested()) == true {
                logger.warning("agent: work loop hung on request (a drill); waiting to be restarted")
                await suspendUntilCancelled()
                return
            }
            beat()
            if await workOne() { continue }
            try? await Task.sleep(for: configuration.pollInterval)
        }
    }

    /// One turn of a loop: the sd_notify watchdog ping, and the heartbeat in the queue (at most one write a second)
    /// by which Grace's `agent` component knows the process is not stuck.
    func beat() {
        alive()
        let now = Date()
        guard heartbeatRecorded.map({ now.timeIntervalSince($0) >= 1 }) ?? true else { return }
        heartbeatRecorded = now
        try? store.recordHeartbeat(at: now)
    }

    /// Works the next task to the end of what it can do now; false when there was none (or the agent is paused).
    @discardableResult
    public func workOne() async -> Bool {
        guard (try? store.isPaused()) != true, let task = try? store.next() else { return false }
        do {
            try await work(task)
        } catch {
            logger.error("agent: task \(task.id): \(error)")
            _ = try? store.transition(
                task.id, from: [.queued, .planning, .verifying, .committed, .watching], to: .failed,
                detail: "the agent failed: \(error)")
        }
        return true
    }

    func work(_ task: AgentTask) async throws {
        switch task.state {
        case .queued, .planning, .verifying:
            try await plan(task)
        case .committed:
            try await reloadAndWatch(task)
        case .watching:
            try await finishWatching(task)
        default:
            return
        }
    }
}
