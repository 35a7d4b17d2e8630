import Crypto
import Foundation
import GraceDSL
import Interpreter
import Logging

/// The healer: turns what the supervisor observes into interpreter events, evaluates every trigger, and runs
/// the playbooks the trigger engine decides on. Every firing — run or suppressed — is journaled, so a trigger
/// storm is rate limited without losing its events.
public actor Healer {
    var graph: ExecutionGraph
    let supervisor: Supervisor
    private let runner: ProcessCommandRunner
    private let locks = KernelLocks()
    private var executor: PlaybookExecutor<ContinuousClock>
    private var reloadConfiguration: (@Sendable () async throws -> String)?
    private var engine: TriggerEngine
    private let origin = ContinuousClock.now
    private let root: String
    let logger: Logger
    private var tickTask: Task<Void, Never>?
    private var consumer: Task<Void, Never>?
    private var fileTasks: [Task<Void, Never>] = []
    private var runs: [Task<Void, Never>] = []

    private let snapshots: SnapshotStore?

    // Knowledge base: recognition of error lines by mined signature, and learning from outcomes.
    var recognizer: SignatureRecognizer?
    var flushTask: Task<Void, Never>?
    /// Unbound error signatures seen lately per kernel, newest last: a run on that kernel soon after is a
    /// candidate fix for the newest.
    var recentErrors: [String: [(signature: String, at: Duration)]] = [:]
    /// When each kernel last exited, failed its probe or missed its watchdog, and when each signature was last
    /// seen on each kernel (`signature|kernel`): a run healed only if neither happened after it.
    var lastTrouble: [String: Duration] = [:]
    var lastSighting: [String: Duration] = [:]
    /// How long after an unbound error a run on its kernel still counts as an attempt to fix it.
    static let attributionWindow: Duration = .seconds(120)

    public init(
        graph: ExecutionGraph, supervisor: Supervisor, runner: ProcessCommandRunner, root: String, logger: Logger,
        snapshots: SnapshotStore? = nil
    ) {
        self.snapshots = snapshots
        self.graph = graph
        self.supervisor = supervisor
        self.runner = runner
        self.root = root
        self.logger = logger
        executor = PlaybookExecutor(
            graph: graph, performer: RuntimeActionPerformer(supervisor: supervisor, runner: runner, snapshots: snapshots),
            journal: SupervisorRunJournal(supervisor: supervisor), clock: ContinuousClock(), locks: locks)
        engine = TriggerEngine(
            graph: graph, context: .init(graph: graph), disabled: RuntimeSupport.unobservableTriggers(in: graph))
    }

    var now: Duration { ContinuousClock.now - origin }

    /// Subscribes to the supervisor and starts watching files; call before `Supervisor.boot()` so nothing
    /// is missed.
    public func start() async {
        let (stream, continuation) = AsyncStream<Supervisor.Signal>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        await supervisor.observe { continuation.yield($0) }
        consumer = Task { [weak self] in
            for await signal in stream {
                await self?.handle(signal)
            }
        }
        startFileWatches()
        scheduleTick()
        startKnowledge()
        await supervisor.record("healer.started", fields: ["triggers": String(engine.triggerCount)])
        retryInterruptedRuns()
    }

    /// Runs a previous Grace started but never finished (it crashed mid-run) are retried from their first
    /// step, with the same arguments; the journal says so (`run.interrupted`, then a new `run.started` whose id
    /// is the old one with `-retry`). A run already retried twice is not retried again (a run that crashes
    /// Grace must not crash it forever); it is journaled as `run.abandoned`.
    private func retryInterruptedRuns() {
        let store = supervisor.store
        let kinds = ["run.started", "run.succeeded", "run.failed"]
        guard let entries = try? store.events(after: 0, limit: 1_000_000, kinds: kinds) else { return }
        var open: [String: JournalEntry] = [:]
        for entry in entries {
            guard let run = entry.fields["run"] else { continue }
            if entry.kind == "run.started" {
                if entry.fields["parent"] == nil { open[run] = entry }
            } else {
                open.removeValue(forKey: run)
            }
        }
        for (run, entry) in open.sorted(by: { $0.value.id < $1.value.id }) {
            guard let playbook = entry.fields["playbook"], graph.playbook(playbook) != nil else { continue }
            var arguments: [String: String] = [:]
            for (k, v) in entry.fields where k.hasPrefix("arg.") { arguments[String(k.dropFirst(4))] = v }
            let trigger = entry.fields["trigger"]
            let supervisor = supervisor
            if run.components(separatedBy: "-retry").count > 2 {
                runs.append(Task { await supervisor.record("run.abandoned", fields: ["run": run, "playbook": playbook]) })
                continue
            }
            let executor = executor
            runs.append(Task {
                await supervisor.record("run.interrupted", fields: ["run": run, "playbook": playbook, "action": "retry"])
                _ = await executor.run(playbook, arguments: arguments, trigger: trigger, runID: "\(run)-retry")
            })
        }
    }

    /// Lets `reload: grace` steps reload the configuration.
    public func setReloader(_ reload: @escaping @Sendable () async throws -> String) {
        reloadConfiguration = reload
        executor = makeExecutor(graph)
    }

    private func makeExecutor(_ graph: ExecutionGraph) -> PlaybookExecutor<ContinuousClock> {
        PlaybookExecutor(
            graph: graph,
            performer: RuntimeActionPerformer(
                supervisor: supervisor, runner: runner, snapshots: snapshots, reloadConfiguration: reloadConfiguration),
            journal: SupervisorRunJournal(supervisor: supervisor), clock: ContinuousClock(), locks: locks)
    }

    /// Swaps in the triggers and playbooks of a new graph. Runs in flight finish on the executor they
    /// started with (it keeps the old graph); the kernel locks are shared, so old and new runs never collide.
    public func reload(_ newGraph: ExecutionGraph) {
        graph = newGraph
        recognizer?.reload(newGraph)
        seedDeclaredSignatures()
        executor = makeExecutor(newGraph)
        engine = TriggerEngine(
            graph: newGraph, context: .init(graph: newGraph), now: now,
            disabled: RuntimeSupport.unobservableTriggers(in: newGraph))
        fileTasks.forEach { $0.cancel() }
        fileTasks = []
        startFileWatches()
        scheduleTick()
    }

    /// Feeds an event that does not come from the supervisor (a refused reload: `config: invalid`).
    public func inject(_ event: Event) {
        apply(engine.observe(event, now: now))
        scheduleTick()
    }

    public func stop() {
        flushKnowledge()
        flushTask?.cancel()
        consumer?.cancel()
        tickTask?.cancel()
        fileTasks.forEach { $0.cancel() }
    }

    /// Runs a playbook by hand (`grace playbook run`, the API).
    public func run(_ playbook: String, arguments: [String: String]) async -> PlaybookExecutor<ContinuousClock>.Outcome {
        await executor.run(playbook, arguments: arguments, trigger: nil)
    }

    private func handle(_ signal: Supervisor.Signal) {
        var earliest: Duration?
        var events = Self.events(from: signal, graph: graph)
        switch signal {
        case .log(let line):
            if let sighting = recognizer?.observe(line) {
                noteSighting(sighting)
                events.append(.signatureSeen(sighting))
            }
            scheduleKnowledgeFlush()
        case .journal(let entry):
            if let kernel = entry.kernel, Self.troubleKinds.contains(entry.kind) { lastTrouble[kernel] = now }
        default:
            break
        }
        for event in events {
            apply(engine.observe(event, now: now))
            if let d = engine.touchedDeadline, d < (earliest ?? .seconds(Int64.max / 2)) { earliest = d }
        }
        // Only the triggers this event touched can have moved the next deadline earlier.
        if let earliest, earliest < (scheduledDeadline ?? .seconds(Int64.max / 2)) { schedule(at: earliest) }
    }

    /// Supervisor observations as interpreter events.
    static func events(from signal: Supervisor.Signal, graph: ExecutionGraph) -> [Event] {
        switch signal {
        case .journal(let entry):
            guard let kernel = entry.kernel else { return [] }
            let f = entry.fields
            switch entry.kind {
            case "kernel.exited":
                return [.kernelExited(kernel: kernel, code: f["code"].flatMap { Int32($0) }, signal: f["signal"], expected: false)]
            case "kernel.stopped":
                return [.kernelExited(kernel: kernel, code: f["code"].flatMap { Int32($0) }, signal: f["signal"], expected: true)]
            case "kernel.started":
                return [.kernelStarted(kernel: kernel, pid: f["pid"].flatMap { Int32($0) } ?? 0)]
            case "kernel.restarting": return [.kernelRestarting(kernel: kernel)]
            case "kernel.unhealthy":
                return [.kernelUnhealthy(kernel: kernel, reason: f["reason"] ?? "", failures: Int(f["failures"] ?? "") ?? 1)]
            case "kernel.healthy": return [.kernelHealthy(kernel: kernel)]
            case "kernel.watchdog_timeout": return [.watchdogTimeout(kernel: kernel)]
            default: return []
            }
        case .heartbeat(let kernel):
            return [.heartbeat(name: kernel)]
        case .log(let line):
            return [.logLine(kernel: line.kernel, stream: line.stream.rawValue, text: line.text)]
        case .metrics(let kernel, let m):
            var events: [Event] = [
                .metric(kernel: kernel, metric: .cpu, value: m.cpuPercent),
                .metric(kernel: kernel, metric: .memory_rss, value: Double(m.rssBytes)),
                .metric(kernel: kernel, metric: .open_fds, value: Double(m.openFDs)),
                .metric(kernel: kernel, metric: .threads, value: Double(m.threads)),
            ]
            if let limit = graph.kernel(kernel)?.limits.memory, limit.bytes > 0 {
                events.append(.metric(kernel: kernel, metric: .memory, value: Double(m.rssBytes) / Double(limit.bytes) * 100))
            }
            return events
        case .host(let h):
            var events: [Event] = [
                .metric(kernel: nil, metric: .host_memory, value: h.memoryUsedPercent),
                .metric(kernel: nil, metric: .host_load1, value: h.load1),
                .metric(kernel: nil, metric: .disk_free, value: Double(h.diskFreeBytes)),
            ]
            if let cpu = h.cpuPercent { events.append(.metric(kernel: nil, metric: .host_cpu, value: cpu)) }
            return events
        }
    }

    private func apply(_ decisions: [TriggerEngine.Decision]) {
        for decision in decisions {
            switch decision {
            case .run(let firing, let playbook, let arguments):
                let fields = firing.fields.reduce(into: ["trigger": firing.trigger, "playbook": playbook]) {
                    $0["event." + $1.key] = $1.value
                }
                let supervisor = supervisor
                let executor = executor
                let attribution = attribution(for: firing, arguments: arguments)
                let task = Task { [weak self] in
                    await supervisor.record("trigger.fired", kernel: firing.fields["kernel"], fields: fields)
                    let outcome = await executor.run(playbook, arguments: arguments, trigger: firing.trigger)
                    if let attribution { await self?.judge(attribution, outcome: outcome) }
                }
                runs.append(task)
                runs.removeAll { $0.isCancelled }
            case .suppressed(let firing, let reason):
                let fields = firing.fields.reduce(into: ["trigger": firing.trigger, "reason": reason]) {
                    $0["event." + $1.key] = $1.value
                }
                let supervisor = supervisor
                Task { await supervisor.record("trigger.suppressed", kernel: firing.fields["kernel"], fields: fields) }
            }
        }
    }

    /// Sleeps until the next time-based condition is due (silence, held thresholds, schedules).
    private var scheduledDeadline: Duration?

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
        let wait = deadline - now
        tickTask = Task { [weak self] in
            if wait > .zero { try? await Task.sleep(for: wait) }
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
            case .file(let path, let kernel, let every): watches.append((path.value, kernel?.value, every ?? .seconds(10)))
            case .all(let parts, _), .any(let parts): parts.forEach { collect($0.condition) }
            default: break
            }
        }
        graph.triggers.filter(\.enabled).forEach { collect($0.when.condition) }
        for watch in watches {
            let full = (watch.path as NSString).isAbsolutePath ? watch.path : (root as NSString).appendingPathComponent(watch.path)
            fileTasks.append(Task { [weak self] in
                var baseline = Self.hash(full)
                while !Task.isCancelled {
                    try? await Task.sleep(for: watch.every)
                    let current = Self.hash(full)
                    if current != baseline {
                        baseline = current
                        await self?.fileChanged(watch.path, kernel: watch.kernel)
                    }
                }
            })
        }
    }

    private func fileChanged(_ path: String, kernel: String?) {
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

/// Playbook runs and steps go into the supervisor's journal.
struct SupervisorRunJournal: RunJournal {
    let supervisor: Supervisor

    func record(_ record: RunRecord) async {
        let entry = record.journalEntry
        await supervisor.record(entry.kind, kernel: nil, fields: entry.fields)
    }
}
