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
    /// Patterns a task will learn once its change held, by task id (lost if the agent dies mid-window).
    private var pendingPatterns: [Int64: (cause: String, body: String)] = [:]

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
        gate = AgentGate(workspace: workspace, runner: runner) { since in (try? store.commits(since: since)) ?? 0 }
        // Only used when the grace document says `agent.planner: llm`; its requests go through `HTTPClient.shared`,
        // which lives as long as the process and needs no shutdown.
        let llm = LLMPlanner()
        self.llm = llm
        planners = [
            RepairTaskPlanner(options: workspace.options),
            LastGoodFilePlanner(),
            MissingParameterPlanner(),
            LearnSignaturePlanner(),
            RefactorTaskPlanner { [journal] kernel in
                (try? journal?.kernelRecords())?.first { $0.name == kernel }?.pid
            },
            llm,
        ]
    }

    /// Works tasks until cancelled.
    public func run() async {
        while !Task.isCancelled {
            alive()
            if await workOne() { continue }
            try? await Task.sleep(for: configuration.pollInterval)
        }
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

    private func work(_ task: AgentTask) async throws {
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

    // MARK: - Planning and the gate

    private func plan(_ queued: AgentTask) async throws {
        var task = try store.transition(
            queued.id, from: [.queued, .planning, .verifying], to: .planning,
            detail: queued.state == .queued
                ? "planning" : "planning again (the agent stopped while \(queued.state.rawValue))",
            countAttempt: true)
        if let git, let commit = await git.commit(withTrailer: "Grace-Task: \(task.id)") {
            task = try store.transition(
                task.id, from: [.planning], to: .committed,
                detail: "found its commit \(commit.prefix(12)) made before the agent stopped", commit: commit)
            try await reloadAndWatch(task)
            return
        }
        guard task.attempts <= configuration.maxAttempts else {
            try store.transition(
                task.id, from: [.planning], to: .failed,
                detail:
                    "gave up after \(configuration.maxAttempts) attempts (the agent stopped while planning each time)")
            return
        }
        if task.type == "verify" {
            let open =
                (try? store.tasks(limit: 1000, states: [.queued, .planning, .verifying, .committed, .watching]))?
                .filter { $0.id != task.id }.count ?? 0
            try store.transition(
                task.id, from: [.planning], to: .done,
                detail: "the agent answers; its queue holds \(open) unfinished task(s) besides this one")
            return
        }
        let files = try workspace.read()
        let before = CompileGate(options: workspace.options).compile(files)
        if (task.type == "fix_invalid" || task.type == "repair_playbook"), before.compiles {
            try store.transition(
                task.id, from: [.planning], to: .done, detail: "the configuration compiles already; nothing to change")
            return
        }
        let knownGood = Self.knownGood(watch.journal)
        let context = PlanningContext(
            task: task, files: files, compiled: before, git: git, knownGood: knownGood,
            patterns: { [store] cause in (try? store.patterns(for: cause)) ?? [] })
        var candidates: [PlannedChange] = []
        for planner in planners {
            // The language model is the last resort: asked only when the rules have nothing to offer.
            if planner is LLMPlanner, !candidates.isEmpty { break }
            candidates += await planner.plan(context)
        }
        if let error = llm.lastError { logger.warning("agent: task \(task.id): llm: \(error)") }
        guard !candidates.isEmpty else {
            let outcome: AgentTaskState = task.type == "diagnose" || task.type == "tune" ? .done : .failed
            try store.transition(
                task.id, from: [.planning], to: outcome,
                detail: outcome == .done
                    ? "diagnosed: no configuration change is called for by what the task names"
                        + (task.inputs.line.map { " (line: \($0.prefix(200)))" } ?? "")
                    : "no planner proposed a change for \(task.type)"
                        + (before.compiles ? "" : " (\(before.result.errorCount) errors remain)")
                        + (llm.lastError.map { " (llm: \($0))" } ?? ""))
            return
        }
        task = try store.transition(
            task.id, from: [.planning], to: .verifying, detail: "\(candidates.count) candidate change(s) to check")
        let settings = before.result.graph?.settings?.agent ?? Self.agentSettings(files: files)
        let reference = before.compiles ? nil : await referenceTree(knownGood: knownGood)
        var refusals: [String] = []
        for candidate in candidates {
            let verdict = await gate.judge(candidate, before: before, reference: reference, settings: settings)
            logger.info(
                "agent: task \(task.id): \(candidate.planner): \(candidate.change.summary): \(verdict.passed ? "passed" : "refused")",
                metadata: ["gate": .string(verdict.lines.joined(separator: "; "))])
            if verdict.passed, let after = verdict.after {
                try await commit(candidate, verdict: verdict, after: after, before: before, task: task)
                return
            }
            refusals.append("\(candidate.planner): \(verdict.lines.last ?? "refused")")
        }
        try store.transition(
            task.id, from: [.verifying], to: .failed,
            detail: "no change passed the gate: " + refusals.joined(separator: "; "))
    }

    private func commit(
        _ planned: PlannedChange, verdict: AgentGate.Verdict, after: CompiledTree, before: CompiledTree,
        task: AgentTask
    ) async throws {
        let changed = after.files.filter { !before.files.contains($0) }
        let message = Self.commitMessage(planned, verdict: verdict, task: task)
        if planned.approval == .review {
            guard let git else {
                try store.transition(
                    task.id, from: [.verifying], to: .failed,
                    detail: "the change needs a review, which needs a git repository: \(planned.change.summary)")
                return
            }
            let branch = "grace-agent/task-\(task.id)"
            let commit = try await git.commitOnBranch(
                branch, files: Dictionary(uniqueKeysWithValues: changed.map { ($0.path, $0.text) }), message: message,
                as: .agent)
            try store.transition(
                task.id, from: [.verifying], to: .needsReview,
                detail: "waiting for `grace agent approve \(task.id)`: \(planned.change.summary) (branch \(branch))",
                commit: commit, branch: branch, summary: planned.change.summary, files: changed.map(\.path))
            return
        }
        // The tree must still be what the gate judged: a person's edit meanwhile sends the task back to planning.
        let now = try workspace.read()
        guard Set(now) == Set(before.files) else {
            try store.transition(
                task.id, from: [.verifying], to: .queued,
                detail: "the files changed while the change was checked; planning again")
            return
        }
        try workspace.write(changed)
        var commit: String?
        if let git {
            do {
                commit = try await git.commit(paths: changed.map(\.path), message: message, as: .agent)
            } catch {
                try? workspace.write(before.files.filter { file in changed.contains { $0.path == file.path } })
                throw error
            }
        }
        if let pattern = planned.pattern { pendingPatterns[task.id] = pattern }
        let updated = try store.transition(
            task.id, from: [.verifying], to: .committed,
            detail: "\(planned.change.summary) [\(planned.planner)]"
                + (git == nil
                    ? " (written; no git repository)"
                    : commit == nil ? " (the files are now as committed at HEAD: no commit needed)" : ""),
            commit: commit, summary: planned.change.summary, files: changed.map(\.path))
        try await reloadAndWatch(updated, kernels: verdict.kernels)
    }

    static func commitMessage(_ planned: PlannedChange, verdict: AgentGate.Verdict, task: AgentTask) -> String {
        var lines = ["agent: \(planned.change.summary)", ""]
        lines += planned.reasons.map { "- \($0)" }
        lines.append("")
        lines += verdict.lines.map { "gate: \($0)" }
        lines.append("")
        lines.append("Grace-Task: \(task.id)")
        lines.append("Grace-Task-Type: \(task.type)")
        lines.append("Grace-Planner: \(planned.planner)")
        if let signature = task.inputs.signature { lines.append("Grace-Signature: \(signature)") }
        if let code = task.inputs.diagnostic { lines.append("Grace-Diagnostic: \(code)") }
        if let run = task.inputs.run { lines.append("Grace-Run: \(run)") }
        if let intent = planned.intent { lines.append("Grace-Intent: \(intent)") }
        return lines.joined(separator: "\n")
    }

    // MARK: - Reload, watch, revert

    private func reloadAndWatch(_ task: AgentTask, kernels: Set<String>? = nil) async throws {
        let watched = (kernels ?? []).union(task.inputs.kernel.map { [$0] } ?? [])
        let mark = watch.mark(kernels: watched)
        let answer = await reload()
        guard answer.ok else {
            try await revert(task, evidence: "Grace refused the reload: \(answer.message)")
            return
        }
        let window = watchWindow()
        let until = Date().addingTimeInterval(
            Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18)
        let recorded = AgentWatch.Recorded(mark: mark, kernels: watched.sorted())
        let encodedMark = (try? JSONEncoder().encode(recorded)).map { String(decoding: $0, as: UTF8.self) }
        let updated = try store.transition(
            task.id, from: [.committed], to: .watching,
            detail:
                "reloaded (\(answer.message)); watching \(watched.isEmpty ? "the configuration" : watched.sorted().joined(separator: ", ")) until \(ISO8601DateFormatter().string(from: until))",
            watchUntil: until, watchMark: encodedMark)
        try await finishWatching(updated)
    }

    private func finishWatching(_ task: AgentTask) async throws {
        // As recorded when the window opened, also by an agent that has died since.
        let recorded = task.watchMark.flatMap {
            try? JSONDecoder().decode(AgentWatch.Recorded.self, from: Data($0.utf8))
        }
        let mark = recorded?.mark ?? watch.mark(kernels: Set(task.inputs.kernel.map { [$0] } ?? []))
        let kernels = Set(recorded?.kernels ?? task.inputs.kernel.map { [$0] } ?? [])
        let until = task.watchUntil ?? Date()
        let finding = task.inputs.line.flatMap(MissingParameterPlanner.finding(in:))
        let baseline = watch.failuresBefore(kernels, window: watchWindow(), mark: mark)
        while Date() < until {
            alive()
            if let evidence = worse(kernels: kernels, mark: mark, baseline: baseline, finding: finding, task: task) {
                try await revert(task, evidence: evidence)
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        if let evidence = worse(kernels: kernels, mark: mark, baseline: baseline, finding: finding, task: task) {
            try await revert(task, evidence: evidence)
            return
        }
        if let pattern = pendingPatterns.removeValue(forKey: task.id) {
            try? store.savePattern(cause: pattern.cause, body: pattern.body, task: task.id)
        }
        try store.transition(
            task.id, from: [.watching], to: .done,
            detail: "held through its watch window: \(task.summary ?? task.detail)")
    }

    /// Evidence that the change made things worse; nil while it holds.
    private func worse(
        kernels: Set<String>, mark: AgentWatch.Mark, baseline: Int, finding: MissingParameterPlanner.Finding?,
        task: AgentTask
    ) -> String? {
        let failures = watch.failures(of: kernels, since: mark)
        if failures.count > baseline {
            return
                "\(failures.count) failure(s) of the kernels it touched after the reload (\(baseline) in as long before): "
                + failures.prefix(3).joined(separator: "; ")
        }
        if let finding, let kernel = task.inputs.kernel {
            let again = watch.logLines(of: kernel, since: mark) {
                MissingParameterPlanner.finding(in: $0)?.parameter == finding.parameter
            }
            if let line = again.first { return "\(kernel) still logs the error after the reload: \(line.suffix(200))" }
        }
        return nil
    }

    private func revert(_ task: AgentTask, evidence: String) async throws {
        pendingPatterns[task.id] = nil
        guard let git, let commit = task.commit else {
            try store.transition(
                task.id, from: [.committed, .watching], to: .needsReview,
                detail: "made things worse and cannot be reverted without git: \(evidence)")
            return
        }
        let revert: String
        do {
            revert = try await git.revert(
                commit, trailers: ["Grace-Task: \(task.id)", "Grace-Revert-Reason: \(evidence.prefix(200))"], as: .agent
            )
        } catch {
            try store.transition(
                task.id, from: [.committed, .watching], to: .needsReview,
                detail: "made things worse and its revert failed (\(error)); a person must look: \(evidence)")
            return
        }
        let answer = await reload()
        try store.transition(
            task.id, from: [.committed, .watching], to: .reverted,
            detail: "reverted by \(revert.prefix(12)): \(evidence) (reload: \(answer.message))")
    }

    /// `knowledge.success_window` of the running configuration, else the configured default, else 30 s.
    private func watchWindow() -> Duration {
        if let files = try? workspace.read(),
            let graph = Compiler(options: CompilerOptions(checkExecutables: false, root: workspace.root)).compile(files)
                .graph,
            let window = graph.settings?.knowledge.successWindow
        {
            return window
        }
        return configuration.watchWindow ?? .seconds(30)
    }

    // MARK: - People's side

    /// Approves a task waiting for review: its branch's commit is applied to HEAD, reloaded and watched.
    public func approve(_ id: Int64) async throws {
        guard let task = try store.task(id) else { throw AgentTaskStore.Failure.noSuchTask(id) }
        guard task.state == .needsReview, let branch = task.branch, let git else {
            throw AgentTaskStore.Failure.wrongState(id, task.state, expected: [.needsReview])
        }
        let commit = try await git.cherryPick(branch, as: .agent)
        let updated = try store.transition(
            id, from: [.needsReview], to: .committed, detail: "approved; applied as \(commit.prefix(12))",
            commit: commit)
        try await reloadAndWatch(updated)
    }

    /// Reverts a finished task's commit by hand (`grace agent revert ID`).
    public func revertByHand(_ id: Int64) async throws {
        guard let task = try store.task(id) else { throw AgentTaskStore.Failure.noSuchTask(id) }
        guard let git, let commit = task.commit, task.state == .done || task.state == .watching else {
            throw AgentTaskStore.Failure.wrongState(id, task.state, expected: [.done, .watching])
        }
        let revert = try await git.revert(
            commit, trailers: ["Grace-Task: \(id)", "Grace-Revert-Reason: by hand"], as: .agent)
        let answer = await reload()
        try store.transition(
            id, from: [.done, .watching], to: .reverted,
            detail: "reverted by \(revert.prefix(12)): asked by a person (reload: \(answer.message))")
    }

    // MARK: - Helpers

    /// The newest revision of the tree that compiles: the known-good one, else HEAD; nil without git.
    private func referenceTree(knownGood: String?) async -> CompiledTree? {
        guard let git else { return nil }
        for revision in [knownGood, "HEAD"].compactMap({ $0 }) {
            guard let files = try? await git.yamlFiles(at: revision, under: workspace.includes) else { continue }
            let tree = CompileGate(options: workspace.options).compile(files)
            if tree.compiles { return tree }
        }
        return nil
    }

    static func knownGood(_ journal: StateStore?) -> String? {
        guard let entry = try? journal?.lastEntry(kind: JournalKind.configKnownGood.rawValue),
            case .configKnownGood(_, let revision) = entry.event
        else { return nil }
        return revision
    }

    /// The agent policy of a tree that does not compile: from its grace document alone, when that decodes.
    static func agentSettings(files: [SourceFile]) -> GraceSettings.Agent? {
        let graceFiles = files.filter { $0.path.hasSuffix("grace.yaml") }
        let result = Compiler(options: CompilerOptions(checkExecutables: false)).compile(
            graceFiles, buildingGraph: false)
        for document in result.documents {
            if case .grace(let settings) = document { return settings.agent }
        }
        return nil
    }
}
