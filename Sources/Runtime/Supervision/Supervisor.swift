import Foundation
import GraceDSL
import Logging
import Synchronization

/// Supervises the kernels of one execution graph as real processes: boots them in dependency order, notices
/// every exit the moment the reaper reaps it, restarts by policy, watches readiness, health and watchdogs,
/// samples metrics, and journals everything before acting on it.
///
/// Each kernel's decisions are made by its `KernelLifecycle` state machine; this actor only performs the
/// actions it returns (spawn, signal, journal, schedule a timer), so the policies are tested without processes.
public actor Supervisor {
    /// How the supervisor is set up on this machine.
    public struct Configuration: Sendable {
        public var root: String
        public var stateDirectory: URL
        public var locator: ExecutableLocator
        /// Interval between metric samples of every kernel.
        public var metricsInterval: Duration = .seconds(5)
        /// How long dependents wait for a dependency's readiness before starting anyway (and saying so).
        public var readinessTimeout: Duration = .seconds(60)
        /// `.allChildren` in the daemon (reaps orphans too); `.registeredOnly` when sharing the process with
        /// other code that spawns children (tests).
        public var reaperMode: ChildReaper.Mode = .allChildren
        /// The event loop that reads every kernel's output and notify socket and waits for probes.
        public var reactor: IOReactor

        public init(root: String, stateDirectory: URL, locator: ExecutableLocator, reactor: IOReactor) {
            self.root = root
            self.stateDirectory = stateDirectory
            self.locator = locator
            self.reactor = reactor
        }
    }

    /// What one kernel looks like from outside.
    public struct KernelStatus: Sendable, Equatable {
        public var name: String
        public var state: String
        public var pid: Int32?
        public var restarts: Int
        public var healthy: Bool?
        public var metrics: KernelMetrics?
        public var tier: Kernel.Tier = .standard
        public var paused = false
        /// When the current process was spawned (nil when there is none).
        public var startedAt: Date?
        /// What `isHealthy(_:)` says: ready, not paused, and its probe (if any) passing.
        public var isHealthy = false
    }

    private final class KernelRuntime {
        let kernel: Kernel
        var lifecycle: KernelLifecycle
        var spec: ProcessSpec?
        var timer: Task<Void, Never>?
        var captures: [LogCapture] = []
        var logFile: LogFile?
        var notify: NotifySocket?
        var notifyTask: Task<Void, Never>?
        var probeTask: Task<Void, Never>?
        var watchdogDeadline: Duration?
        var watchdogTask: Task<Void, Never>?
        var healthy: Bool?
        var paused = false
        var startedAt: Date?
        var consecutiveFailures = 0
        var cpu = CPUUsageTracker()
        var metrics: KernelMetrics?
        var cgroup: URL?
        var cgroupSample: CgroupSample?
        var readyWaiters: [CheckedContinuation<Bool, Never>] = []
        var exitWaiters: [CheckedContinuation<Void, Never>] = []

        init(kernel: Kernel) {
            self.kernel = kernel
            lifecycle = KernelLifecycle(policy: .init(kernel: kernel))
        }

        var isReady: Bool {
            if case .running = lifecycle.state { return true }
            return false
        }
    }

    /// What the supervisor tells an observer (the healer): journal entries, metric samples and log lines.
    public enum Signal: Sendable {
        case journal(JournalEntry)
        case metrics(kernel: String, KernelMetrics)
        case host(HostSample)
        case log(LogLine)
        /// sd_notify WATCHDOG=1 from a kernel (not journaled: there are many).
        case heartbeat(kernel: String)
    }

    public private(set) var graph: ExecutionGraph
    public let store: StateStore
    private var observer: (@Sendable (Signal) -> Void)?
    private var primaryObserver: (@Sendable (Signal) -> Void)?
    private var extraObservers: [@Sendable (Signal) -> Void] = []
    private let configuration: Configuration
    private let logger: Logger
    private let origin = ContinuousClock.now
    private var kernels: [String: KernelRuntime] = [:]
    private var entryWaiters: [(id: UUID, match: @Sendable (JournalEntry) -> Bool, continuation: CheckedContinuation<JournalEntry, Never>)] = []
    private var recentEntries: [JournalEntry] = []
    private var metricsTask: Task<Void, Never>?
    private var hostSampler = HostSampler()
    public private(set) var hostSample: HostSample?
    private var shuttingDown = false
    /// cgroup v2 when this machine has it and Grace may create groups (nil on cgroup v1 hosts).
    private let cgroups = CgroupManager.detect()

    public init(graph: ExecutionGraph, store: StateStore, configuration: Configuration, logger: Logger) {
        self.graph = graph
        self.store = store
        self.configuration = configuration
        self.logger = logger
        for kernel in graph.kernels where kernel.enabled {
            kernels[kernel.header.name.value] = KernelRuntime(kernel: kernel)
        }
    }

    private var now: Duration { ContinuousClock.now - origin }

    /// Registers the one observer of journal entries, metrics and log lines (the healer).
    public func observe(_ observer: @escaping @Sendable (Signal) -> Void) {
        primaryObserver = observer
        composeObservers()
    }

    /// Adds an observer besides the healer (the HTTP API, metrics); it must return at once. Register before
    /// `boot()`: kernels spawned earlier forward their log lines to the observers of that time only.
    public func addObserver(_ observer: @escaping @Sendable (Signal) -> Void) {
        extraObservers.append(observer)
        composeObservers()
    }

    private func composeObservers() {
        let all = (primaryObserver.map { [$0] } ?? []) + extraObservers
        observer = all.count == 1 ? all[0] : { signal in for o in all { o(signal) } }
    }

    /// Journals an event that is not about a kernel's lifecycle (playbook runs, trigger decisions).
    @discardableResult
    public func record(_ kind: String, kernel: String? = nil, fields: [String: String] = [:]) -> JournalEntry? {
        journal(kind, kernel: kernel, fields)
    }

    // MARK: - Journal

    /// Appends to the journal (durable before this returns) and wakes anyone waiting for such an entry.
    @discardableResult
    private func journal(_ kind: String, kernel: String?, _ fields: [String: String] = [:]) -> JournalEntry? {
        do {
            let entry = try store.append(JournalEvent(kind: kind, kernel: kernel, fields: fields))
            published(entry)
            return entry
        } catch {
            // The journal is the record of truth; failing to write it is loud, but supervision goes on.
            logger.critical("journal write failed: \(error)", metadata: ["event": .string(kind)])
            return nil
        }
    }

    /// Several events about one kernel in one transaction (durable before this returns).
    private func journalBatch(_ events: [(kind: String, fields: [String: String])], kernel: String) {
        guard events.count > 1 else {
            if let e = events.first { journal(e.kind, kernel: kernel, e.fields) }
            return
        }
        do {
            let entries = try store.append(events.map { JournalEvent(kind: $0.kind, kernel: kernel, fields: $0.fields) })
            for entry in entries { published(entry) }
        } catch {
            logger.critical("journal write failed: \(error)")
        }
    }

    /// Wakes waiters and the observer for an entry that is on disk, and logs it.
    private func published(_ entry: JournalEntry) {
        recentEntries.append(entry)
        if recentEntries.count > 1000 { recentEntries.removeFirst(recentEntries.count - 1000) }
        var remaining: [(id: UUID, match: @Sendable (JournalEntry) -> Bool, continuation: CheckedContinuation<JournalEntry, Never>)] = []
        for waiter in entryWaiters {
            if waiter.match(entry) { waiter.continuation.resume(returning: entry) } else { remaining.append(waiter) }
        }
        entryWaiters = remaining
        observer?(.journal(entry))
        logger.info(
            "\(entry.kind)",
            metadata: ["kernel": .string(entry.kernel ?? "-")].merging(entry.fields.mapValues { .string($0) }) { a, _ in a })
    }

    /// Waits for the first journal entry after `afterID` that matches (used by tests and drills: wait on
    /// events, never on sleep).
    public func waitForEntry(after afterID: Int64 = 0, _ match: @escaping @Sendable (JournalEntry) -> Bool) async
        -> JournalEntry
    {
        if let hit = recentEntries.first(where: { $0.id > afterID && match($0) }) { return hit }
        return await withCheckedContinuation { continuation in
            entryWaiters.append((UUID(), { $0.id > afterID && match($0) }, continuation))
        }
    }

    public func waitForEntry(kind: String, kernel: String? = nil, after afterID: Int64 = 0) async -> JournalEntry {
        await waitForEntry(after: afterID) { $0.kind == kind && (kernel == nil || $0.kernel == kernel) }
    }

    // MARK: - Boot and shutdown

    /// Cleans up after a previous Grace that died, then starts every kernel, each after its dependencies are
    /// ready. Returns once every kernel has been started (readiness of the last ones may still be pending).
    public func boot() async {
        ChildReaper.shared.start(mode: configuration.reaperMode)
        journal("grace.started", kernel: nil, ["graph": String(graph.contentHash.prefix(16)), "pid": String(getpid())])
        await stopLeftovers()
        await withTaskGroup(of: Void.self) { group in
            for kernel in graph.kernels where kernels[kernel.header.name.value] != nil {
                let name = kernel.header.name.value
                let deps = kernel.dependsOn.map(\.value).filter { kernels[$0] != nil }
                group.addTask {
                    for dep in deps {
                        let ready = await self.waitUntilReady(dep, timeout: self.configuration.readinessTimeout)
                        if !ready {
                            await self.journalDependencyTimeout(name, dep)
                        }
                    }
                    await self.startKernel(name)
                }
            }
        }
        startMetrics()
    }

    private func journalDependencyTimeout(_ name: String, _ dep: String) {
        journal("kernel.dependency_not_ready", kernel: name, ["dependency": dep, "action": "starting anyway"])
    }

    /// Stops every kernel, dependents before their dependencies, and waits for them to exit.
    public func shutdown() async {
        shuttingDown = true
        metricsTask?.cancel()
        journal("grace.stopping", kernel: nil)
        for kernel in graph.kernels.reversed() {
            let name = kernel.header.name.value
            guard let runtime = kernels[name] else { continue }
            // Dependents are earlier in this reversed order and were stopped first.
            await stop(name, reason: "shutdown")
            if runtime.lifecycle.state.pid != nil { await waitForExit(name) }
            closeNotify(runtime)
        }
        journal("grace.stopped", kernel: nil)
    }

    /// Kernels a crashed Grace left running: stop their process groups (TERM, then KILL) so the new run
    /// starts from a clean slate. They are found by the recorded pids and by their environment (a crash
    /// between spawn and record leaves no record). They are not our children any more, so a pidfd tells
    /// when they are gone.
    private func stopLeftovers() async {
        var leftovers: [Int32: String] = [:]
        for record in (try? store.kernelRecords()) ?? [] {
            guard let pid = record.pid, let pgid = record.processGroup, pid > 0, pgid > 0,
                LeftoverProcess.matches(pid: pid, processGroup: pgid)
            else { continue }
            leftovers[pid] = record.name
        }
        for found in LeftoverProcess.scan(stateDirectory: configuration.stateDirectory.path) {
            leftovers[found.pid] = found.kernel
        }
        for (pid, name) in leftovers.sorted(by: { $0.value < $1.value }) {
            journal("kernel.leftover_found", kernel: name, ["pid": String(pid)])
            let grace = kernels[name]?.kernel.stop.grace ?? .seconds(10)
            let signal = kernels[name]?.kernel.stop.signal.number ?? SIGTERM
            let how = await LeftoverProcess.stop(pid: pid, processGroup: pid, signal: signal, grace: grace)
            journal("kernel.leftover_stopped", kernel: name, ["pid": String(pid), "how": how])
        }
    }

    // MARK: - Operations

    public func startKernel(_ name: String) {
        guard let runtime = kernels[name], !shuttingDown else { return }
        perform(runtime.lifecycle.start(now: now), on: name)
    }

    public func stop(_ name: String, reason: String = "requested") async {
        guard let runtime = kernels[name] else { return }
        // A paused (SIGSTOPped) kernel cannot act on its stop signal: let it run again first.
        if runtime.paused, let pid = runtime.lifecycle.state.pid {
            runtime.paused = false
            Spawner.signalGroup(pid, SIGCONT)
        }
        perform(runtime.lifecycle.stop(now: now, reason: reason), on: name)
    }

    /// Stops the kernel and returns once its process has exited (SIGKILL after the grace period included).
    public func stopAndWait(_ name: String, reason: String = "requested") async {
        await stop(name, reason: reason)
        await waitForExit(name)
    }

    /// Starts the kernel; if it is still stopping, first waits for that exit.
    public func startAfterExit(_ name: String) async {
        if case .stopping? = kernels[name]?.lifecycle.state { await waitForExit(name) }
        startKernel(name)
    }

    public func restart(_ name: String, reason: String = "requested") async {
        guard let runtime = kernels[name] else { return }
        if runtime.lifecycle.state.pid != nil {
            await stop(name, reason: reason)
            await waitForExit(name)
        }
        startKernel(name)
    }

    /// SIGSTOP / SIGCONT to the kernel's process group. A paused kernel's failed probes are not reported.
    public func pause(_ name: String, reason: String) -> Bool {
        guard let runtime = kernels[name], let pid = runtime.lifecycle.state.pid, !runtime.paused else {
            return kernels[name]?.paused ?? false
        }
        journal("kernel.paused", kernel: name, ["pid": String(pid), "reason": reason])
        runtime.paused = true
        return Spawner.signalGroup(pid, SIGSTOP)
    }

    public func resume(_ name: String, reason: String) -> Bool {
        guard let runtime = kernels[name], let pid = runtime.lifecycle.state.pid, runtime.paused else { return false }
        journal("kernel.resumed", kernel: name, ["pid": String(pid), "reason": reason])
        runtime.paused = false
        runtime.consecutiveFailures = 0
        return Spawner.signalGroup(pid, SIGCONT)
    }

    /// Sends `signal` to the kernel's process group.
    public func signal(_ name: String, _ signal: Int32) -> Bool {
        guard let pid = kernels[name]?.lifecycle.state.pid else { return false }
        journal("kernel.signalled", kernel: name, ["pid": String(pid), "signal": String(signal)])
        return Spawner.signalGroup(pid, signal)
    }

    /// Healthy: running (and ready), not paused, and its probe (if any) last passed.
    public func isHealthy(_ name: String) -> Bool {
        guard let runtime = kernels[name], runtime.isReady, !runtime.paused else { return false }
        return runtime.kernel.health == nil || runtime.healthy == true
    }

    public func isRunning(_ name: String) -> Bool { kernels[name]?.lifecycle.state.pid != nil }

    public func isPaused(_ name: String) -> Bool { kernels[name]?.paused ?? false }

    /// Kernels of a tier, in boot order.
    public func kernels(inTier tier: Kernel.Tier) -> [String] {
        graph.kernels.filter { $0.tier == tier && kernels[$0.header.name.value] != nil }.map(\.header.name.value)
    }

    public func status() -> [KernelStatus] {
        graph.kernels.compactMap { kernel in
            guard let r = kernels[kernel.header.name.value] else { return nil }
            return KernelStatus(
                name: kernel.header.name.value, state: r.lifecycle.state.name, pid: r.lifecycle.state.pid,
                restarts: r.lifecycle.totalRestarts, healthy: r.healthy, metrics: r.metrics, tier: kernel.tier,
                paused: r.paused, startedAt: r.lifecycle.state.pid == nil ? nil : r.startedAt,
                isHealthy: isHealthy(kernel.header.name.value))
        }
    }

    public func pid(of name: String) -> Int32? { kernels[name]?.lifecycle.state.pid }

    /// The configuration root: kernels run here unless they set `cwd`.
    public var rootDirectory: String { configuration.root }

    /// Waits until the kernel is ready; false after `timeout` or when it gave up.
    public func waitUntilReady(_ name: String, timeout: Duration) async -> Bool {
        guard let runtime = kernels[name] else { return false }
        if runtime.isReady { return true }
        let timeoutTask = Task {
            try? await Task.sleep(for: timeout)
            self.expireReadyWaiters(name)
        }
        defer { timeoutTask.cancel() }
        return await withCheckedContinuation { runtime.readyWaiters.append($0) }
    }

    private func expireReadyWaiters(_ name: String) {
        guard let runtime = kernels[name], !runtime.readyWaiters.isEmpty else { return }
        let waiters = runtime.readyWaiters
        runtime.readyWaiters = []
        waiters.forEach { $0.resume(returning: runtime.isReady) }
    }

    private func waitForExit(_ name: String) async {
        guard let runtime = kernels[name], runtime.lifecycle.state.pid != nil else { return }
        await withCheckedContinuation { runtime.exitWaiters.append($0) }
    }

    // MARK: - Performing actions

    private func perform(_ actions: [KernelLifecycle.Action], on name: String) {
        guard let runtime = kernels[name] else { return }
        // The restart history is bookkeeping, not the record of truth (the journal is, and it is on disk before
        // anything is acted on): written after the actions, so a respawn does not wait for a second commit.
        var history: [RestartRecord] = []
        defer {
            for record in history { try? store.record(record) }
        }
        var index = 0
        while index < actions.count {
            let action = actions[index]
            index += 1
            switch action {
            case .spawn:
                spawn(runtime, name: name)
            case .journal:
                // Consecutive events (exited, restarting) go to disk in one transaction: one commit on the
                // crash-to-restart path instead of several.
                var batch: [(kind: String, fields: [String: String])] = []
                var i = index - 1
                while i < actions.count, case .journal(let kind, let fields) = actions[i] {
                    batch.append((kind, fields))
                    i += 1
                }
                index = i
                journalBatch(batch, kernel: name)
                for event in batch {
                    afterJournal(event.kind, runtime: runtime, name: name, fields: event.fields)
                    if event.kind == "kernel.restarting" {
                        let delay = Int64(event.fields["delay_ms"] ?? "0") ?? 0
                        history.append(RestartRecord(kernel: name, time: Date(), reason: "exit", delayMilliseconds: delay))
                    }
                }
            case .scheduleTimer(let at):
                runtime.timer?.cancel()
                let delay = at - now
                runtime.timer = Task { [weak self] in
                    if delay > .zero { try? await Task.sleep(for: delay) }
                    guard !Task.isCancelled else { return }
                    await self?.timerFired(name)
                }
            case .signalGroup(let pid, let signal):
                Spawner.signalGroup(pid, signal)
            case .escalate(let reason):
                logger.error("kernel \(name) needs escalation: \(reason)")
            }
        }
    }

    /// Bookkeeping that follows some events: readiness waiters, restart history, the kernel record.
    private func afterJournal(_ kind: String, runtime: KernelRuntime, name: String, fields: [String: String]) {
        switch kind {
        case "kernel.ready":
            let waiters = runtime.readyWaiters
            runtime.readyWaiters = []
            waiters.forEach { $0.resume(returning: true) }
            if let watchdog = runtime.kernel.watchdog { armWatchdog(runtime, name: name, after: watchdog) }
            // The kernel says it serves now (READY=1): probe at once rather than a probe period later, so that
            // its health is known as soon as it can be (what probes found while it was starting did not count).
            if runtime.kernel.ready == .notify, runtime.healthy == nil, case .running(let pid, let since) = runtime.lifecycle.state {
                startProbe(runtime, name: name, pid: pid, spawnedAt: since)
            }
        case "kernel.gave_up":
            let waiters = runtime.readyWaiters
            runtime.readyWaiters = []
            waiters.forEach { $0.resume(returning: false) }
        default:
            break
        }
        // The record tracks what a new Grace must clean up after a crash: write it when a process appears or
        // goes away for good, not on every event (the journal has those), to keep restarts fast.
        if ["kernel.started", "kernel.stopped", "kernel.gave_up"].contains(kind) || (kind == "kernel.exited" && runtime.lifecycle.state.pid == nil && !isRestarting(runtime)) {
            saveRecord(runtime, name: name, lastExit: kind == "kernel.exited" ? fields.description : nil)
        }
    }

    private func isRestarting(_ runtime: KernelRuntime) -> Bool {
        if case .backingOff = runtime.lifecycle.state { return true }
        return false
    }

    private func saveRecord(_ runtime: KernelRuntime, name: String, lastExit: String?) {
        let pid = runtime.lifecycle.state.pid
        var record = KernelRecord(
            name: name, state: runtime.lifecycle.state.name, pid: pid, processGroup: pid,
            restarts: runtime.lifecycle.totalRestarts, specHash: graph.documentHashes[DocumentID(kind: .kernel, name: name)])
        record.lastExit = lastExit
        try? store.save(record)
    }

    private func timerFired(_ name: String) {
        guard let runtime = kernels[name] else { return }
        perform(runtime.lifecycle.timerFired(now: now), on: name)
    }

    private func spawn(_ runtime: KernelRuntime, name: String) {
        guard !shuttingDown else { return }
        do {
            let spec = try runtime.spec ?? makeSpec(runtime.kernel)
            runtime.spec = spec
            if runtime.logFile == nil {
                runtime.logFile = try LogFile(
                    path: configuration.stateDirectory.appendingPathComponent("logs/\(name).log").path)
            }
            var environment = spec.environment
            if runtime.notify == nil { try openNotify(runtime, name: name) }
            if let notify = runtime.notify { environment["NOTIFY_SOCKET"] = notify.path }
            if let watchdog = runtime.kernel.watchdog {
                environment["WATCHDOG_USEC"] = String(watchdog.milliseconds * 1000)
            }
            var launch = spec
            launch.environment = environment
            let out = try PipeDescriptors()
            let err = try PipeDescriptors()
            let pid: Int32
            do {
                pid = try Spawner.spawn(launch, descriptors: .init(stdout: out.write, stderr: err.write))
            } catch {
                [out.read, out.write, err.read, err.write].forEach { close($0) }
                throw error
            }
            close(out.write)
            close(err.write)
            ChildReaper.shared.watch(pid) { [weak self] status in
                Task { await self?.exited(name, pid: pid, status: status) }
            }
            if let file = runtime.logFile {
                let observer = self.observer
                let forward: @Sendable (LogLine) -> Void = { line in observer?(.log(line)) }
                runtime.captures = [
                    LogCapture(
                        kernel: name, stream: .stdout, fd: out.read, file: file, reactor: configuration.reactor,
                        onLine: forward),
                    LogCapture(
                        kernel: name, stream: .stderr, fd: err.read, file: file, reactor: configuration.reactor,
                        onLine: forward),
                ]
                runtime.captures.forEach { $0.start() }
            }
            placeInCgroup(runtime, name: name, pid: pid)
            runtime.healthy = nil
            runtime.paused = false
            runtime.startedAt = Date()
            runtime.consecutiveFailures = 0
            runtime.cpu = CPUUsageTracker()
            perform(runtime.lifecycle.spawned(pid: pid, now: now), on: name)
            startProbe(runtime, name: name, pid: pid)
        } catch {
            perform(runtime.lifecycle.spawnFailed(String(describing: error), now: now), on: name)
        }
    }

    private func exited(_ name: String, pid: Int32, status: ExitStatus) {
        guard let runtime = kernels[name], runtime.lifecycle.state.pid == pid else { return }
        runtime.probeTask?.cancel()
        runtime.watchdogTask?.cancel()
        runtime.watchdogDeadline = nil
        runtime.metrics = nil
        perform(runtime.lifecycle.exited(status, now: now), on: name)
        let waiters = runtime.exitWaiters
        runtime.exitWaiters = []
        waiters.forEach { $0.resume() }
    }

    private func makeSpec(_ kernel: Kernel) throws -> ProcessSpec {
        guard let command = kernel.command?.value, let executable = configuration.locator.locate(command.executable)
        else {
            throw SpawnError(executable: kernel.command?.value.executable ?? "?", stage: "lookup", errno: ENOENT)
        }
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment.removeValue(forKey: "WATCHDOG_USEC")
        for (k, v) in kernel.env { environment[k] = v }
        environment[LeftoverProcess.kernelVariable] = kernel.header.name.value
        environment[LeftoverProcess.stateVariable] = configuration.stateDirectory.path
        let cwd = kernel.cwd.map { ($0 as NSString).isAbsolutePath ? $0 : (configuration.root as NSString).appendingPathComponent($0) }
            ?? configuration.root
        var limits: [Int32: UInt64] = [:]
        if let nofile = kernel.limits.nofile { limits[7] = UInt64(nofile) }  // RLIMIT_NOFILE
        if let nproc = kernel.limits.nproc { limits[6] = UInt64(nproc) }  // RLIMIT_NPROC (Linux numbering)
        var spec = ProcessSpec(
            executable: executable, arguments: command.arguments, environment: environment, workingDirectory: cwd,
            limits: limits)
        if let user = kernel.user {
            guard let entry = getpwnam(user) else { throw SpawnError(executable: executable, stage: "user \(user)", errno: ENOENT) }
            spec.userID = entry.pointee.pw_uid
            spec.groupID = entry.pointee.pw_gid
        }
        if let group = kernel.group {
            guard let entry = getgrnam(group) else { throw SpawnError(executable: executable, stage: "group \(group)", errno: ENOENT) }
            spec.groupID = entry.pointee.gr_gid
        }
        // Data directories exist before the kernel starts.
        for path in kernel.data {
            let full = (configuration.root as NSString).appendingPathComponent(path.value)
            try? FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        }
        return spec
    }

    /// Puts the kernel into its own cgroup (limits from `limits.memory` / `limits.cpu`) where cgroup v2 allows.
    private func placeInCgroup(_ runtime: KernelRuntime, name: String, pid: Int32) {
        guard let cgroups else { return }
        do {
            if runtime.cgroup == nil {
                runtime.cgroup = try cgroups.create(
                    kernel: name, memoryMax: runtime.kernel.limits.memory?.bytes,
                    cpuMaxPercent: runtime.kernel.limits.cpu?.value)
            }
            if let group = runtime.cgroup { try cgroups.add(pid: pid, to: group) }
        } catch {
            logger.warning("kernel \(name): no cgroup: \(error)")
        }
    }

    // MARK: - sd_notify and watchdog

    private func openNotify(_ runtime: KernelRuntime, name: String) throws {
        let path = configuration.stateDirectory.appendingPathComponent("notify/\(name).sock").path
        let socket = try NotifySocket(path: path, reactor: configuration.reactor)
        runtime.notify = socket
        runtime.notifyTask = Task { [weak self] in
            for await message in socket.messages {
                await self?.notified(name, message)
            }
        }
    }

    private func closeNotify(_ runtime: KernelRuntime) {
        runtime.notifyTask?.cancel()
        runtime.notify?.close()
        runtime.notify = nil
    }

    /// Notifications count from any process of the kernel's group (systemd's NotifyAccess=all), because
    /// `systemd-notify` and shell wrappers send from their own pids.
    private func notified(_ name: String, _ message: NotifyMessage) {
        guard let runtime = kernels[name], let pid = runtime.lifecycle.state.pid else { return }
        // The socket resolved the sender's group while it was alive (systemd-notify exits at once).
        guard let sender = message.senderPID, sender == pid || message.senderProcessGroup == pid else { return }
        if let status = message.status { journal("kernel.status", kernel: name, ["status": status]) }
        if message.isReady, case .starting = runtime.lifecycle.state {
            perform(runtime.lifecycle.ready(now: now), on: name)
        }
        if message.isWatchdog {
            if let watchdog = runtime.kernel.watchdog { runtime.watchdogDeadline = now + watchdog }
            observer?(.heartbeat(kernel: name))
        }
        if message.isStopping { journal("kernel.stopping_notified", kernel: name, ["pid": String(pid)]) }
    }

    /// A missed watchdog is an event, and the kernel is killed and restarted by policy, as systemd does.
    private func armWatchdog(_ runtime: KernelRuntime, name: String, after watchdog: Duration) {
        runtime.watchdogDeadline = now + watchdog
        runtime.watchdogTask?.cancel()
        runtime.watchdogTask = Task { [weak self] in
            while !Task.isCancelled {
                guard let self, let deadline = await self.watchdogDeadline(name) else { return }
                let wait = deadline - (ContinuousClock.now - self.origin)
                if wait > .zero {
                    try? await Task.sleep(for: wait)
                    continue
                }
                await self.watchdogMissed(name)
                return
            }
        }
    }

    private func watchdogDeadline(_ name: String) -> Duration? { kernels[name]?.watchdogDeadline }

    private func watchdogMissed(_ name: String) {
        guard let runtime = kernels[name], let deadline = runtime.watchdogDeadline, now >= deadline,
            let watchdog = runtime.kernel.watchdog
        else { return }
        runtime.watchdogDeadline = nil
        journal("kernel.watchdog_timeout", kernel: name, ["after_ms": String(watchdog.milliseconds)])
        perform(runtime.lifecycle.kill(now: now, reason: "watchdog timeout"), on: name)
    }

    // MARK: - Health

    /// Starts (or restarts) the kernel's probe loop; its first probe waits for what is left of `start_period`
    /// counted from the spawn.
    private func startProbe(_ runtime: KernelRuntime, name: String, pid: Int32, spawnedAt: Duration? = nil) {
        runtime.probeTask?.cancel()
        guard let health = runtime.kernel.health else { return }
        let probe = makeProbe(
            for: health, root: configuration.root,
            runner: ProcessCommandRunner(locator: configuration.locator, reactor: configuration.reactor),
            reactor: configuration.reactor)
        let startPeriod = health.startPeriod - (spawnedAt.map { now - $0 } ?? .zero)
        runtime.probeTask = Task { [weak self] in
            if startPeriod > .zero { try? await Task.sleep(for: startPeriod) }
            while !Task.isCancelled {
                let result = await probe.check(timeout: health.timeout)
                guard !Task.isCancelled else { return }
                await self?.probed(name, pid: pid, result: result, threshold: health.failures)
                try? await Task.sleep(for: health.every)
            }
        }
    }

    private func probed(_ name: String, pid: Int32, result: ProbeResult, threshold: Int) {
        guard let runtime = kernels[name], runtime.lifecycle.state.pid == pid, !runtime.paused else { return }
        switch result {
        case .healthy:
            runtime.consecutiveFailures = 0
            if runtime.healthy != true {
                runtime.healthy = true
                journal("kernel.healthy", kernel: name)
            }
            if runtime.kernel.ready == .health, case .starting = runtime.lifecycle.state {
                perform(runtime.lifecycle.ready(now: now), on: name)
            }
        case .unhealthy(let reason):
            // A kernel that is still starting (not ready yet by notify or by its first passing probe) is not
            // failing: its listener may simply not be up. Kubernetes likewise ignores liveness until startup
            // succeeds. A kernel that never gets ready is caught by the readiness timeout instead.
            if case .starting = runtime.lifecycle.state { return }
            runtime.consecutiveFailures += 1
            if runtime.consecutiveFailures >= threshold, runtime.healthy != false {
                runtime.healthy = false
                journal(
                    "kernel.unhealthy", kernel: name,
                    ["reason": reason, "failures": String(runtime.consecutiveFailures)])
            }
        }
    }

    // MARK: - Metrics

    private func startMetrics() {
        metricsTask?.cancel()
        let interval = configuration.metricsInterval
        metricsTask = Task { [weak self] in
            while !Task.isCancelled {
                await self?.sampleMetrics()
                try? await Task.sleep(for: interval)
            }
        }
    }

    private func sampleMetrics() {
        if let host = hostSampler.sample() {
            hostSample = host
            observer?(.host(host))
        }
        for (name, runtime) in kernels {
            guard let pid = runtime.lifecycle.state.pid, let sample = ProcessSampler.sample(pid: pid) else { continue }
            if let metrics = runtime.cpu.update(sample) {
                runtime.metrics = metrics
                observer?(.metrics(kernel: name, metrics))
            }
            if let cgroups, let group = runtime.cgroup { runtime.cgroupSample = cgroups.read(group) }
        }
    }

    /// Latest cgroup figures of a kernel (nil without cgroup v2).
    public func cgroupSample(of name: String) -> CgroupSample? { kernels[name]?.cgroupSample }

    /// Latest metrics of a kernel (nil until two samples were taken).
    public func metrics(of name: String) -> KernelMetrics? { kernels[name]?.metrics }

    // MARK: - Reload

    /// Applies a new graph: starts added kernels, restarts changed ones (stop, then start with the new
    /// definition), stops removed ones, and leaves every other kernel untouched. Returns what it did.
    public func apply(_ newGraph: ExecutionGraph) async -> GraphDiff {
        let diff = GraphDiff(from: graph.documentHashes, to: newGraph.documentHashes)
        let old = graph
        graph = newGraph
        // Dependents first when stopping, dependencies first when starting.
        for kernel in old.kernels.reversed() {
            let name = kernel.header.name.value
            guard diff.kernelsToStop.contains(name) || diff.kernelsToRestart.contains(name),
                let runtime = kernels[name]
            else { continue }
            await stop(name, reason: "reload")
            if runtime.lifecycle.state.pid != nil { await waitForExit(name) }
            runtime.probeTask?.cancel()
            runtime.watchdogTask?.cancel()
            runtime.timer?.cancel()
            closeNotify(runtime)
            kernels.removeValue(forKey: name)
            if let group = runtime.cgroup { cgroups?.remove(group) }
        }
        for kernel in newGraph.kernels where kernel.enabled {
            let name = kernel.header.name.value
            guard kernels[name] == nil else { continue }
            kernels[name] = KernelRuntime(kernel: kernel)
            let deps = kernel.dependsOn.map(\.value).filter { kernels[$0] != nil }
            for dep in deps where !(await waitUntilReady(dep, timeout: configuration.readinessTimeout)) {
                journalDependencyTimeout(name, dep)
            }
            startKernel(name)
        }
        return diff
    }

    /// Samples now instead of waiting for the interval (tests, `grace status`).
    public func sampleNow() { sampleMetrics() }
}
