import Crypto
import Foundation
import GraceDSL
import Interpreter
import Logging
import Synchronization

/// The healer: turns what the runtime observes into interpreter events, evaluates every trigger, and runs the
/// playbooks the trigger engine decides on. Every firing — run or suppressed — is journaled, so a trigger storm
/// is rate limited without losing its events. A reload reaches it as a new graph on its observation stream.
public actor Healer {
    var graph: ExecutionGraph
    let supervisor: Supervisor
    let environment: RuntimeEnvironment
    private let performer: RuntimeActionPerformer
    private let locks = KernelLocks()
    private var executor: PlaybookExecutor<RuntimeClock>
    private var engine: TriggerEngine
    private let root: String
    private var observations: ObservationStream {
        get { stream.withLock { $0 } }
        set { stream.withLock { $0 = newValue } }
    }
    /// The loop's subscription; a rebuild replaces it, and `figures` reads it from any thread.
    private nonisolated let stream: Mutex<ObservationStream>
    /// The newest journal entry the loop handled: a rebuilt loop picks up after it.
    private var lastJournalID: Int64 = 0
    /// How many times the loop has started (1 at boot; a rebuild by the root adds one).
    private var incarnation = 0
    /// Since when the loop is stuck (`hang`, a drill's fault); its heartbeats stop meanwhile.
    private var stalledSince: Duration?
    /// How far back a rebuild replays the journal into the new trigger engine.
    static let replayWindow: Duration = .seconds(600)
    private let counters = HealerCounters()
    /// What the engine saw that the journal does not record, kept for replay (`history:` settings).
    nonisolated let history: HistoryRecorder
    private var historyTask: Task<Void, Never>?
    private var tickTask: Task<Void, Never>?
    private var fileTasks: [Task<Void, Never>] = []
    /// Runs in flight, each removed by itself when it ends. The handles of finished runs used to be kept for ever,
    /// and each held about 16 KiB: 29 MiB an hour at the default rate limit (bench/campaign/soak.py).
    private var runs: [Int: Task<Void, Never>] = [:]
    private var nextRun = 0
    /// When the next time-based condition is due (silence, held thresholds, schedules).
    private var scheduledDeadline: Duration?

    // Knowledge base: recognition of error lines by mined signature, and learning from outcomes.
    var recognizer: SignatureRecognizer?
    var flushTask: Task<Void, Never>?
    /// Unbound error signatures seen lately per kernel, newest last: a run on that kernel soon after is a
    /// candidate fix for the newest.
    var recentErrors: [String: [(signature: String, at: Duration)]] = [:]
    /// When each kernel last exited, failed its probe or missed its watchdog, and when each signature was last
    /// seen on each kernel (`signature|kernel`): a run healed only if neither happened after it.
    var lastTrouble: [String: Duration] = [:]
    /// Kernels running now (from `kernel.started` and exits), by pid: a new trigger engine (a reload, a rebuild)
    /// arms their heartbeat silences, which otherwise begin at a kernel's start.
    var running: [String: Int32] = [:]
    var lastSighting: [String: Duration] = [:]
    /// How long after an unbound error a run on its kernel still counts as an attempt to fix it.
    static let attributionWindow: Duration = .seconds(120)

    /// Subscribes to the runtime's observations at once, so that nothing published after this returns is missed
    /// (make the healer before the supervisor boots).
    public init(
        graph: ExecutionGraph, supervisor: Supervisor, environment: RuntimeEnvironment, runner: ProcessCommandRunner,
        root: String, snapshots: SnapshotStore? = nil, reloader: ConfigurationReloader? = nil,
        agent: AgentConnection? = nil, components: ComponentTree? = nil, fleet: FleetService? = nil
    ) {
        self.graph = graph
        self.supervisor = supervisor
        self.environment = environment
        self.root = root
        stream = Mutex(environment.hub.subscribe())
        performer = RuntimeActionPerformer(
            supervisor: supervisor, journal: environment.journal, runner: runner, clock: environment.clock,
            snapshots: snapshots, reloader: reloader, agent: agent, components: components, fleet: fleet)
        executor = PlaybookExecutor(
            graph: graph, performer: performer, journal: JournalRunRecorder(journal: environment.journal),
            clock: environment.clock, locks: locks)
        engine = TriggerEngine(
            graph: graph, context: Self.context(graph, clock: environment.clock), now: environment.clock.elapsedTime,
            disabled: RuntimeSupport.unobservableTriggers(in: graph))
        history = HistoryRecorder(store: environment.store, settings: graph.settings?.history ?? .init())
    }

    var now: Duration { environment.clock.elapsedTime }

    /// The evaluators' context of `graph`: its wall-clock origin is the wall time at offset zero of the runtime clock,
    /// not now. Taking now made every cron schedule of an engine made after boot (a reload, a rebuild) fire as much
    /// early as the clock had run (found by `grace replay`: a reload 71 s after the start, `*/15` fired at :43:48).
    static func context(_ graph: ExecutionGraph, clock: RuntimeClock) -> ConditionEvaluator.Context {
        let elapsed = clock.elapsedTime.components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        return .init(graph: graph, wallClockOrigin: Date().addingTimeInterval(-seconds))
    }

    /// What the healer has evaluated so far and what it missed (`/metrics`); callable from any thread.
    public nonisolated var figures: HealerCounters.Figures {
        var figures = counters.figures
        let observations = stream.withLock { $0 }
        figures.observationsDropped = observations.dropped
        figures.catchUps = observations.catchUps
        return figures
    }
    var logger: Logger { environment.logger }
    var journal: Journal { environment.journal }

    /// Watches files, starts the knowledge base, retries runs a crashed Grace left unfinished, then handles every
    /// observation until `stop()` ends the stream or the task is cancelled.
    public func handleObservations() async {
        incarnation += 1
        startFileWatches()
        startCertificateWatches()
        scheduleTick()
        if incarnation == 1 {
            startKnowledge()
            let history = history
            let logger = logger
            historyTask = Task { await history.run(logger: logger) }
        }
        journal.append(.healerStarted(triggers: engine.triggerCount))
        // Runs of this process still in flight after a rebuild are not interrupted: they carry on.
        if incarnation == 1 { retryInterruptedRuns() }
        for await observation in observations {
            if stalledSince != nil { await suspendUntilCancelled() }
            guard !Task.isCancelled else { return }
            handle(observation)
        }
    }

    /// Whether the loop is taking observations: false while it is stuck (a stalled loop misses its beats).
    var isLive: Bool { stalledSince == nil }

    /// Wedges the loop at its next observation until the run is cancelled, as a hang would.
    func wedge() {
        stalledSince = stalledSince ?? now
    }

    /// Rebuilds the loop's state after the root cancelled it: a fresh subscription that starts after the last
    /// journal entry handled (nothing journaled meanwhile is missed), the graph the supervisor runs now, and a new
    /// trigger engine whose windows are rebuilt from the journal of the last `replayWindow` (what it decides while
    /// replaying is dropped: those firings happened already) and whose cooldowns and rate limit carry over. Runs
    /// in flight carry on; their outcomes are journaled as usual.
    func rebuild() async {
        tickTask?.cancel()
        tickTask = nil
        fileTasks.forEach { $0.cancel() }
        fileTasks = []
        stalledSince = nil
        observations.finish()
        observations = environment.hub.subscribe()
        observations.resume(after: lastJournalID)
        let current = await supervisor.graph
        if current.contentHash != graph.contentHash { reload(current) }
        var next = TriggerEngine(
            graph: graph, context: Self.context(graph, clock: environment.clock), now: now,
            disabled: RuntimeSupport.unobservableTriggers(in: graph))
        next.inheritLimits(from: engine)
        replay(into: &next)
        arm(&next)
        engine = next
    }

    /// Feeds the journal's entries of the last `replayWindow`, up to the last one handled, into `engine`.
    private func replay(into engine: inout TriggerEngine) {
        let from = max(0, lastJournalID - 20_000)
        guard let entries = try? environment.store.events(after: from, limit: 20_000) else { return }
        let wall = Date()
        let elapsed = now
        for entry in entries where entry.id <= lastJournalID {
            let age = Duration.milliseconds(Int64(wall.timeIntervalSince(entry.time) * 1000))
            guard age < Self.replayWindow else { continue }
            let at = max(.zero, elapsed - age)
            for event in ObservedEvents.events(from: .journal(entry), graph: graph) {
                // A start arms a kernel's heartbeat silence; its heartbeats are not journaled, so a replayed start
                // would time out at once. The next live heartbeat arms it instead.
                if case .kernelStarted = event { continue }
                _ = engine.observe(event, now: at)
            }
        }
    }

    /// Stops timers and watches and writes what the knowledge base gathered.
    public func stop() {
        flushKnowledge()
        historyTask?.cancel()
        try? history.flush()
        flushTask?.cancel()
        tickTask?.cancel()
        fileTasks.forEach { $0.cancel() }
        observations.finish()
    }

    /// Runs a previous Grace started but never finished (it crashed mid-run) are retried from their first
    /// step, with the same arguments; the journal says so (`run.interrupted`, then a new `run.started` whose id
    /// is the old one with `-retry`). A run already retried twice is not retried again (a run that crashes
    /// Grace must not crash it forever); it is journaled as `run.abandoned`. A run whose retry has started, or
    /// that was abandoned, is never retried again (`InterruptedRun`).
    private func retryInterruptedRuns() {
        let kinds = InterruptedRun.kinds.map(\.rawValue)
        guard let entries = try? environment.store.events(after: 0, limit: 1_000_000, kinds: kinds) else { return }
        for interrupted in InterruptedRun.find(in: entries) where graph.playbook(interrupted.playbook) != nil {
            guard interrupted.action == .retry else {
                journal.append(.runAbandoned(run: interrupted.run, playbook: interrupted.playbook))
                continue
            }
            let executor = executor
            let journal = journal
            track {
                journal.append(.runInterrupted(run: interrupted.run, playbook: interrupted.playbook, action: "retry"))
                _ = await executor.run(
                    interrupted.playbook, arguments: interrupted.arguments, trigger: interrupted.trigger,
                    runID: InterruptedRun.retryID(of: interrupted.run))
            }
        }
    }

    /// Swaps in the triggers and playbooks of a new graph. Runs in flight finish on the executor they
    /// started with (it keeps the old graph); the kernel locks are shared, so old and new runs never collide. The
    /// rate limit and the cooldowns carry over (`TriggerEngine.inheritLimits`).
    func reload(_ newGraph: ExecutionGraph) {
        graph = newGraph
        history.update(newGraph.settings?.history ?? .init())
        recognizer?.reload(newGraph)
        seedDeclaredSignatures()
        executor = PlaybookExecutor(
            graph: newGraph, performer: performer, journal: JournalRunRecorder(journal: journal),
            clock: environment.clock, locks: locks)
        var next = TriggerEngine(
            graph: newGraph, context: Self.context(newGraph, clock: environment.clock), now: now,
            disabled: RuntimeSupport.unobservableTriggers(in: newGraph))
        next.inheritLimits(from: engine)
        arm(&next)
        engine = next
        fileTasks.forEach { $0.cancel() }
        fileTasks = []
        startFileWatches()
        startCertificateWatches()
        scheduleTick()
    }

    /// Runs a playbook by hand (`grace playbook run`, the API).
    public func run(_ playbook: String, arguments: [String: String]) async -> PlaybookOutcome {
        await executor.run(playbook, arguments: arguments, trigger: nil)
    }

    /// Arms the heartbeat silences of the kernels running now in a new engine, as their start did in the old one.
    private func arm(_ next: inout TriggerEngine) {
        for (kernel, pid) in running { _ = next.observe(.kernelStarted(kernel: kernel, pid: pid), now: now) }
    }

    private func handle(_ observation: Observation) {
        if case .configuration(let newGraph) = observation {
            reload(newGraph)
            return
        }
        var events = ObservedEvents.events(from: observation, graph: graph)
        switch observation {
        case .log(let line):
            counters.evaluatedLogLine()
            if let sighting = recognizer?.observe(line) {
                noteSighting(sighting)
                events.append(.signatureSeen(sighting))
            }
            scheduleKnowledgeFlush()
        case .journal(let entry):
            lastJournalID = entry.id
            counters.evaluatedJournalEntry(entry.id)
            if let kernel = entry.kernel, ObservedEvents.isTrouble(entry.event) { lastTrouble[kernel] = now }
        default:
            break
        }
        // The journal keeps its own entries; everything else the engine sees is kept for replay.
        if case .journal = observation {} else { history.record(events) }
        var earliest: Duration?
        for event in events {
            switch event {
            case .kernelStarted(let kernel, let pid): running[kernel] = pid
            case .kernelExited(let kernel, _, _, _): running[kernel] = nil
            default: break
            }
            apply(engine.observe(event, now: now))
            if let d = engine.touchedDeadline, d < (earliest ?? .seconds(Int64.max / 2)) { earliest = d }
        }
        // Only the triggers this event touched can have moved the next deadline earlier.
        if let earliest, earliest < (scheduledDeadline ?? .seconds(Int64.max / 2)) { schedule(at: earliest) }
    }

    private func apply(_ decisions: [TriggerEngine.Decision]) {
        for decision in decisions {
            switch decision {
            case .run(let firing, _, _) where !journal.isWritable:
                // Degraded: the firing is recorded (late, with the rest) but nothing is done about it.
                journal.append(
                    .triggerSuppressed(
                        trigger: firing.trigger, reason: "the journal cannot be written (Grace is degraded)",
                        kernel: firing.fields["kernel"], evidence: firing.journaled))
            case .run(let firing, let playbook, let arguments):
                let executor = executor
                let attribution = attribution(for: firing, arguments: arguments)
                // The run's id is chosen now so that the firing names the run it caused (`grace explain`).
                let runID = executor.nextRunID()
                let fired = JournalEvent.triggerFired(
                    trigger: firing.trigger, playbook: playbook, kernel: firing.fields["kernel"],
                    evidence: firing.journaled, run: runID)
                journal.append(fired)
                track { [weak self] in
                    let outcome = await executor.run(
                        playbook, arguments: arguments, trigger: firing.trigger, runID: runID)
                    if let attribution { await self?.judge(attribution, outcome: outcome) }
                }
            case .suppressed(let firing, let reason):
                journal.append(
                    .triggerSuppressed(
                        trigger: firing.trigger, reason: reason, kernel: firing.fields["kernel"],
                        evidence: firing.journaled))
            }
        }
    }

    /// Runs `body` as a task kept in `runs` until it ends.
    private func track(_ body: @escaping @Sendable () async -> Void) {
        let id = nextRun
        nextRun += 1
        // The task cannot reach `finished` before this returns: both run on this actor.
        runs[id] = Task { [weak self] in
            await body()
            await self?.finished(id)
        }
    }

    private func finished(_ id: Int) {
        runs.removeValue(forKey: id)
    }

    /// Playbook runs in flight (their tasks are let go as they end).
    var runsInFlight: Int { runs.count }

    /// Full scan of every trigger's deadline; used after ticks and reloads (rare), not per event.
    private func scheduleTick() {
        tickTask?.cancel()
        scheduledDeadline = nil
        guard let deadline = engine.nextDeadline() else { return }
        schedule(at: deadline)
    }

    private func schedule(at deadline: Duration) {
        tickTask?.cancel()
        scheduledDeadline = deadline
        let clock = environment.clock
        tickTask = Task { [weak self] in
            try? await clock.sleep(untilOffset: deadline)
            guard !Task.isCancelled else { return }
            await self?.tick()
        }
    }

    private func tick() {
        apply(engine.tick(now: now))
        scheduleTick()
    }

    // MARK: - File integrity

    /// Files named by `file:` conditions: hashed now as the baseline, then every `every` (default 10 s);
    /// a different hash is a `fileChanged` event and the new baseline.
    private func startFileWatches() {
        var watches: [(path: String, kernel: String?, every: Duration)] = []
        func collect(_ condition: Condition) {
            switch condition {
            case .file(let path, let kernel, let every):
                watches.append((path.value, kernel?.value, every ?? .seconds(10)))
            case .all(let parts, _), .any(let parts): parts.forEach { collect($0.condition) }
            default: break
            }
        }
        graph.triggers.filter(\.enabled).forEach { collect($0.when.condition) }
        let clock = environment.clock
        for watch in watches {
            let full =
                (watch.path as NSString).isAbsolutePath
                ? watch.path : (root as NSString).appendingPathComponent(watch.path)
            fileTasks.append(
                Task { [weak self] in
                    var baseline = Self.hash(full)
                    while !Task.isCancelled {
                        try? await clock.sleep(for: watch.every)
                        let current = Self.hash(full)
                        if current != baseline {
                            baseline = current
                            await self?.fileChanged(watch.path, kernel: watch.kernel)
                        }
                    }
                })
        }
    }

    /// Certificates named by `certificate:` conditions: read now, then every `every` (default 1 minute); each
    /// reading is a `certificateChecked` event with the time left until the earliest `notAfter` of the file. A file
    /// that cannot be read (missing, not a certificate) is logged once until it can be read again, and fires
    /// nothing: a kernel that has no certificate yet is not one about to expire.
    private func startCertificateWatches() {
        var watches: [(path: String, kernel: String?, every: Duration)] = []
        func collect(_ condition: Condition) {
            switch condition {
            case .certificate(let path, let kernel, _, let every):
                watches.append((path.value, kernel?.value, every ?? .seconds(60)))
            case .all(let parts, _), .any(let parts): parts.forEach { collect($0.condition) }
            default: break
            }
        }
        graph.triggers.filter(\.enabled).forEach { collect($0.when.condition) }
        let clock = environment.clock
        let logger = logger
        for watch in watches {
            let full =
                (watch.path as NSString).isAbsolutePath
                ? watch.path : (root as NSString).appendingPathComponent(watch.path)
            fileTasks.append(
                Task { [weak self] in
                    var complained = false
                    while !Task.isCancelled {
                        switch CertificateValidity.read(path: full) {
                        case .success(let validity):
                            complained = false
                            await self?.certificateChecked(watch.path, kernel: watch.kernel, validity: validity)
                        case .failure(let problem):
                            if !complained {
                                logger.warning(
                                    "certificate \(watch.path): \(problem); nothing fires until it can be read")
                            }
                            complained = true
                        }
                        try? await clock.sleep(for: watch.every)
                    }
                })
        }
    }

    private func certificateChecked(_ path: String, kernel: String?, validity: CertificateValidity) {
        let left = validity.notAfter.timeIntervalSinceNow
        let event = Event.certificateChecked(
            kernel: kernel, path: path, expiresIn: .milliseconds(Int64(max(-1e15, min(1e15, left * 1000)))),
            notAfter: ISO8601DateFormatter().string(from: validity.notAfter))
        history.record([event])
        apply(engine.observe(event, now: now))
        scheduleTick()
    }

    private func fileChanged(_ path: String, kernel: String?) {
        history.record([.fileChanged(kernel: kernel, path: path)])
        apply(engine.observe(.fileChanged(kernel: kernel, path: path), now: now))
        scheduleTick()
    }

    static func hash(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 16), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// Playbook runs and steps go into the journal.
struct JournalRunRecorder: RunJournal {
    let journal: Journal

    func record(_ event: JournalEvent) async -> Bool {
        journal.append(event) != nil
    }
}
