import Foundation
import GraceDSL
import Interpreter
import ServiceLifecycle

/// Grace's side of the coding agent (the `agent` component): copies every state change of the agent's tasks
/// from its queue into the journal, in order and exactly once across restarts, and records the revisions of the
/// configuration that ran healthy (`config.known_good`, what `rollback_config: last_good` goes back to).
///
/// The agent process never writes the journal itself: one writer keeps the hash chain and its anchor simple.
/// The copy polls the queue (an indexed read, every `pollInterval`), so an agent state change reaches the journal
/// within that interval.
public actor AgentLiaison {
    let store: AgentTaskStore
    let journal: Journal
    let supervisor: Supervisor
    let git: GitWorkTree?
    let configurationPaths: [String]
    let clock: RuntimeClock
    /// How long every kernel must stay healthy before the running graph counts as known good.
    let knownGoodWindow: Duration
    /// How often the queue is read for new state changes.
    var pollInterval: Duration = .milliseconds(100)
    /// The `agent` component's heartbeat interval when Grace runs the agent's process (`grace agent run`), nil
    /// when it does not (a test process): the process must have recorded a heartbeat in the queue within
    /// one of these (plus `AgentLiaison.processSlack`) for the component to beat.
    let processInterval: Duration?
    /// Whether the running graph enables the agent (`agent.enabled`), as last read from the supervisor.
    private var agentEnabled: Bool
    /// The agent's kernel is held stopped by this instance's fleet role (a standby): its silence is expected.
    private var agentHeld = false
    private var cursor: Int64 = 0
    private var recordedGraph: String?
    /// The graph the known-good check last saw, and since when (the clock's time) every kernel has been healthy.
    private var graphSeen: String?
    private var healthySince: Duration?

    /// A liaison copying `store`'s history into `journal`; `git` (nil without a repository) names the revision
    /// of a known-good graph, `configurationPaths` (relative to the root) are the files that make it.
    public init(
        store: AgentTaskStore, journal: Journal, supervisor: Supervisor, git: GitWorkTree?,
        configurationPaths: [String], clock: RuntimeClock, knownGoodWindow: Duration, processInterval: Duration? = nil,
        agentEnabled: Bool = false
    ) {
        self.store = store
        self.journal = journal
        self.supervisor = supervisor
        self.git = git
        self.configurationPaths = configurationPaths
        self.clock = clock
        self.knownGoodWindow = knownGoodWindow
        self.processInterval = processInterval
        self.agentEnabled = agentEnabled
    }

    /// The agent event the journal has recorded up to: the `event` field of its newest `agent.task` entry.
    private func recordedCursor() -> Int64 {
        guard let entry = try? journal.store.lastEntry(kind: JournalKind.agentTask.rawValue),
            case .agentTask(_, _, _, _, let event, _, _, _) = entry.event
        else { return 0 }
        return event
    }

    /// Copies the state changes recorded since the last call into the journal; returns how many.
    @discardableResult
    public func copyTaskEvents() -> Int {
        guard let events = try? store.events(after: cursor), !events.isEmpty else { return 0 }
        var tasks: [Int64: AgentTask] = [:]
        var entries: [JournalEvent] = []
        for event in events {
            if tasks[event.task] == nil { tasks[event.task] = try? store.task(event.task) }
            let task = tasks[event.task]
            entries.append(
                .agentTask(
                    task: event.task, type: task?.type ?? "", state: event.state.rawValue, detail: event.detail,
                    event: event.id, kernel: task?.inputs.kernel, run: task?.inputs.run, commit: event.commit))
            if event.state == .committed, let commit = event.commit {
                entries.append(
                    .agentCommitted(
                        task: event.task, commit: commit, summary: task?.summary ?? event.detail,
                        files: task?.files ?? []))
            }
            if event.state == .reverted, let commit = event.commit {
                entries.append(
                    .agentReverted(
                        task: event.task, commit: commit, revert: Self.revertCommit(in: event.detail) ?? "",
                        evidence: event.detail))
            }
        }
        journal.append(entries)
        cursor = events.last?.id ?? cursor
        return events.count
    }

    /// The revert's commit id in a `reverted` detail (`reverted by <id>: ...`).
    static func revertCommit(in detail: String) -> String? {
        guard let range = detail.range(of: "reverted by ") else { return nil }
        return detail[range.upperBound...].prefix { $0.isHexDigit }.description
    }

    /// Records the running graph as known good once every kernel has stayed up and healthy for the window and
    /// its files are committed (the revision then names exactly what ran). Returns the revision recorded.
    @discardableResult
    public func recordKnownGood() async -> String? {
        let graph = await supervisor.graph
        agentEnabled = graph.settings?.agent.enabled ?? false
        agentHeld = await supervisor.heldKernels.contains(AgentKernel.name)
        let hash = String(graph.contentHash.prefix(16))
        if graphSeen != hash {
            graphSeen = hash
            healthySince = nil
        }
        let statuses = await supervisor.status()
        let healthy = statuses.allSatisfy { status in
            switch status.phase {
            case .running: status.isHealthy
            case .stopped: true  // finished one-shot kernels, disabled ones
            default: false
            }
        }
        guard healthy else {
            healthySince = nil
            return nil
        }
        let now = clock.elapsedTime
        guard let since = healthySince else {
            healthySince = now
            return nil
        }
        guard now - since >= knownGoodWindow, recordedGraph != hash, let git else { return nil }
        guard let dirty = try? await git.uncommitted(under: configurationPaths), dirty.isEmpty,
            let head = await git.head()
        else {
            // Uncommitted files: ask git again a window later, not every second.
            healthySince = now
            return nil
        }
        recordedGraph = hash
        journal.append(.configKnownGood(graph: hash, revision: head))
        return head
    }

    private func knownGoodLoop() async {
        if let entry = try? journal.store.lastEntry(kind: JournalKind.configKnownGood.rawValue),
            case .configKnownGood(let graph, _) = entry.event
        {
            recordedGraph = graph
        }
        while !Task.isCancelled {
            await recordKnownGood()
            try? await clock.sleep(for: .seconds(1))
        }
    }

    /// Why a task is stuck, as its history records it: a task whose history has this once was requeued already.
    static let stuckMarker = "past agent.task_timeout"

    /// Tasks planning or verifying for longer than `agent.task_timeout`: the first time, requeued (the agent's
    /// process restarted, so that whatever held it lets go); the second time, failed, which fails the `agent_task`
    /// step waiting on it (and so its run, whose `on_failure` tells the operator). Only while Grace runs the
    /// agent's process. Returns the tasks moved.
    @discardableResult
    public func settleStuckTasks(now: Date = Date()) async -> [AgentTask] {
        guard processInterval != nil, agentEnabled else { return [] }
        let timeout = await supervisor.graph.settings?.agent.taskTimeout ?? .seconds(600)
        let limit = Double(timeout.milliseconds) / 1000
        guard let tasks = try? store.tasks(limit: 1000, states: [.planning, .verifying]) else { return [] }
        var moved: [AgentTask] = []
        for task in tasks where now.timeIntervalSince(task.updated) >= limit {
            let stuck =
                "stuck \(task.state.rawValue) for \(Int(now.timeIntervalSince(task.updated)))s, \(Self.stuckMarker) "
                + "(\(DurationParser.format(timeout)))"
            let requeued = (try? store.history(of: task.id))?.contains { $0.detail.contains(Self.stuckMarker) } ?? false
            let next: AgentTaskState = requeued ? .failed : .queued
            let detail = requeued ? "\(stuck) again: failed" : "\(stuck): requeued once, the agent restarted"
            guard let updated = try? store.transition(task.id, from: [task.state], to: next, detail: detail) else {
                continue
            }
            moved.append(updated)
            await supervisor.restart(
                AgentKernel.name, origin: .playbook, reason: "agent task \(task.id) \(Self.stuckMarker)",
                grace: .seconds(1))
        }
        return moved
    }

    private func stuckLoop() async {
        while !Task.isCancelled {
            await settleStuckTasks()
            try? await clock.sleep(for: .seconds(1))
        }
    }

    private func copyLoop() async {
        cursor = recordedCursor()
        while !Task.isCancelled {
            copyTaskEvents()
            try? await clock.sleep(for: pollInterval)
        }
    }

    /// Copies task events and records known-good revisions until graceful shutdown, then copies what is left.
    public func runLoops() async {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.copyLoop() }
                group.addTask { await self.knownGoodLoop() }
                group.addTask { await self.stuckLoop() }
            }
        }
        copyTaskEvents()
    }
}

extension AgentLiaison: Component {
    /// `agent`, as `components:` of the grace document names Grace's side of the coding agent.
    public static let componentName = "agent"

    /// `agent`, as `components:` of the grace document names Grace's side of the coding agent.
    public nonisolated var name: String { Self.componentName }

    /// Runs until graceful shutdown.
    public func run() async throws { await runLoops() }

    /// How much older than one heartbeat interval the agent process's recorded heartbeat may be: the process
    /// writes it at most once a second.
    public static let processSlack: Duration = .seconds(1)

    /// True once the actor gets to it and the queue answers a read, and, when Grace runs the agent's process and
    /// the graph enables it, while that process's recorded heartbeat is younger than one interval (plus
    /// `processSlack`): a stopped (SIGSTOP), dead or hung agent process (its work loop stuck, whatever its
    /// watchdog thread says) makes the `agent` component silent three intervals later.
    public func heartbeat() -> Bool {
        guard (try? store.isPaused()) != nil else { return false }
        guard let processInterval, agentEnabled, !agentHeld else { return true }
        guard let last = try? store.lastHeartbeat() else { return false }
        let limit = Double((processInterval + Self.processSlack).milliseconds) / 1000
        return Date().timeIntervalSince(last) < limit
    }

    /// Asks the agent's process to wedge its work loop until it is restarted (a drill's `hang` fault): the request
    /// goes through the queue, which the process reads each turn.
    public func hang() -> Bool {
        guard processInterval != nil, agentEnabled else { return false }
        return (try? store.setHangRequested(true)) != nil
    }
}
