import Foundation
import GraceDSL
import Interpreter
import Logging

/// Supervises the kernels of one execution graph as real processes: boots them in dependency order, notices
/// every exit the moment the reaper reaps it, restarts by policy, watches readiness, health and watchdogs,
/// samples metrics, and journals everything before acting on it.
///
/// Each kernel's decisions are made by its `KernelLifecycle` state machine; this actor performs what its results
/// say. The parts live in files of their own: the process spec (`ProcessSpecBuilder`), spawning (`KernelSpawner`),
/// probing (`ProbeLoop`, `HealthTracker`), the watchdog (`WatchdogTimer`), metrics (`MetricsSampler`), a crashed
/// Grace's leftovers (`LeftoverCleanup`) and reload (`ReloadPlan`).
public actor Supervisor {
    /// How the supervisor is set up on this machine.
    public struct Configuration: Sendable {
        /// The configuration root: kernels run here unless they set `cwd`; relative paths start here.
        public var root: String
        /// `state_dir` of the grace document: logs, the notify socket, what leftover kernels are known by.
        public var stateDirectory: URL
        /// Finds a kernel's executable as the compiler checked it (the root, next to `grace`, PATH).
        public var locator: ExecutableLocator
        /// Interval between metric samples of every kernel.
        public var metricsInterval: Duration = .seconds(5)
        /// How long dependents wait for a dependency's readiness before starting anyway (and saying so).
        public var readinessTimeout: Duration = .seconds(60)
        /// Where `user:` and `group:` of kernels are looked up.
        public var users: any UserDirectory = SystemUserDirectory()
        /// The `grace` executable that runs the coding agent's process (`grace agent run`) when the graph enables
        /// the agent; nil: no agent process (a test process, which is not `grace`).
        public var agentExecutable: String?
        /// What the previous image of this Grace handed over (`grace reexec`): its kernels are adopted at boot
        /// instead of being started (or stopped as leftovers). nil for a fresh start.
        public var handoff: ReexecHandoff?
        /// This Grace's instance name when it runs as a member of a fleet (`grace run --instance`, or `instance:`
        /// of the grace document): kernels then run by their placement and the fleet role (`applyRole`).
        public var fleetInstance: String?

        /// A configuration with the default metrics interval (5 s) and readiness timeout (60 s).
        public init(root: String, stateDirectory: URL, locator: ExecutableLocator) {
            self.root = root
            self.stateDirectory = stateDirectory
            self.locator = locator
        }
    }

    /// One kernel under supervision: its state machine and what performing its actions holds.
    private final class KernelRuntime {
        let kernel: Kernel
        var lifecycle: KernelLifecycle
        var spec: ProcessSpec?
        var timer: Task<Void, Never>?
        /// Fires `start_timeout` after a spawn of a kernel that waits for readiness.
        var startTimer: Task<Void, Never>?
        /// Restarts asked for (playbooks, the API, reloads), beside the policy's.
        var requestedRestarts = 0
        var captures: [LogCapture] = []
        var logFile: LogFile?
        var probeTask: Task<Void, Never>?
        var watchdog: WatchdogTimer?
        var health: HealthTracker
        var paused = false
        var startedAt: Date?
        var metrics: KernelMetrics?
        var cgroup: URL?
        /// Whether the kernel's cgroup was set up (or found impossible) yet: that happens at its first spawn.
        var placed = false
        /// Its declared limits this host does not enforce.
        var unenforcedLimits: [UnenforcedLimit] = []
        var cgroupSample: CgroupSample?
        var readyWaiters: [CheckedContinuation<Bool, Never>] = []
        var exitWaiters: [CheckedContinuation<Void, Never>] = []

        init(kernel: Kernel) {
            self.kernel = kernel
            lifecycle = KernelLifecycle(policy: .init(kernel: kernel))
            health = HealthTracker(threshold: kernel.health?.failures ?? 1)
        }

        var name: String { kernel.header.name.value }

        var isReady: Bool {
            if case .running = lifecycle.state { return true }
            return false
        }

        var isStarting: Bool {
            if case .starting = lifecycle.state { return true }
            return false
        }
    }

    /// The graph being supervised; `apply(_:)` replaces it.
    public private(set) var graph: ExecutionGraph
    /// Where every kernel event goes before the supervisor acts on it.
    public let journal: Journal
    private let configuration: Configuration
    private let environment: RuntimeEnvironment
    private let specs: ProcessSpecBuilder
    private let spawner: KernelSpawner
    private let commands: ProcessCommandRunner
    private var kernels: [String: KernelRuntime] = [:]
    /// The kernels' processes by pid (which is also their process group): whose a notification is.
    private var kernelsByPID: [Int32: String] = [:]
    /// The one sd_notify socket of every kernel, as systemd has one: a message's kernel is known by its sender's
    /// credentials. Opened on the first spawn.
    private var notify: NotifySocket?
    private var notifyTask: Task<Void, Never>?
    private var sampler: MetricsSampler
    private var metricsTask: Task<Void, Never>?
    /// The host's latest figures (nil before the first sample).
    public private(set) var hostSample: HostSample?
    private var shuttingDown = false
    /// Set by `beginHandoff()`: the graceful shutdown hands the kernels over to the next image instead of stopping
    /// them.
    private var handingOff = false
    /// The kernels the graceful shutdown handed over (`grace reexec`), for the handoff file.
    public private(set) var handedOver: [ReexecHandoff.Kernel] = []
    /// Whether `boot()` has returned: every kernel was started (readiness for systemd waits for it).
    public private(set) var isBooted = false
    /// What this instance is in its fleet; `.standalone` outside any fleet. Kernels run as `KernelPlacement` says.
    public private(set) var roleMode: FleetRoleMode

    /// Supervises the enabled kernels of `graph`; nothing starts before `boot()`.
    public init(graph: ExecutionGraph, configuration: Configuration, environment: RuntimeEnvironment) {
        let graph = AgentKernel.adding(
            to: graph, executable: configuration.agentExecutable, root: configuration.root,
            stateDirectory: configuration.stateDirectory.path)
        self.graph = graph
        self.configuration = configuration
        self.environment = environment
        roleMode =
            configuration.fleetInstance.flatMap { graph.fleet(listing: $0) } != nil ? .pending : .standalone
        journal = environment.journal
        var specs = ProcessSpecBuilder(
            root: configuration.root, stateDirectory: configuration.stateDirectory.path, locator: configuration.locator,
            users: configuration.users)
        specs.instance = configuration.fleetInstance
        self.specs = specs
        spawner = KernelSpawner(
            reaper: environment.reaper, reactor: environment.reactor, hub: environment.hub,
            cgroups: environment.cgroups, logger: environment.logger)
        var commands = ProcessCommandRunner(
            locator: configuration.locator, reaper: environment.reaper, reactor: environment.reactor)
        // Exec probes of a fleet instance's kernels tell the instance apart as the kernels do.
        if let instance = configuration.fleetInstance { commands.environment["GRACE_INSTANCE"] = instance }
        self.commands = commands
        sampler = MetricsSampler(cgroups: environment.cgroups)
        for kernel in graph.kernels where kernel.enabled {
            kernels[kernel.header.name.value] = KernelRuntime(kernel: kernel)
        }
    }

    private var now: Duration { environment.clock.elapsedTime }
    private var logger: Logger { environment.logger }

    /// The journal's state store (kernel records, the knowledge base).
    public var store: StateStore { journal.store }

    /// The configuration root: kernels run here unless they set `cwd`.
    public var rootDirectory: String { configuration.root }

    // MARK: - Boot and shutdown

    /// Cleans up after a previous Grace that died, then starts every kernel, each after its dependencies are
    /// ready. Returns once every kernel has been started (readiness of the last ones may still be pending).
    public func boot() async {
        // Said in the chain itself before the first append moves the anchor on: the evidence must outlive this run.
        if let mismatch = try? journal.store.headAnchorMismatch() {
            logger.critical("journal: \(mismatch.reason); run `grace journal verify`")
            journal.append(
                .graceJournalAnchorMismatch(
                    reason: mismatch.reason, anchorID: mismatch.anchorID, headID: mismatch.headID))
        }
        journal.append(.graceStarted(graph: String(graph.contentHash.prefix(16)), pid: getpid()))
        let policies = kernels.mapValues {
            LeftoverCleanup.StopPolicy(signal: $0.kernel.stop.signal.number, grace: $0.kernel.stop.grace)
        }
        let adoption = adoptHandedOver()
        // What was handed over and not adopted is a leftover like a crashed Grace's: stopped, then started afresh.
        let stopped = await LeftoverCleanup(journal: journal, stateDirectory: configuration.stateDirectory.path)
            .stopAll(sparing: adoption.pids) { policies[$0] }
        if let handoff = configuration.handoff {
            let handoffTime = Date().timeIntervalSince(handoff.requestedAt)
            journal.append(
                .graceReexec(
                    generation: handoff.generation, reason: handoff.reason, executable: handoff.executable,
                    adopted: adoption.names.sorted(),
                    started: kernels.keys.filter { !adoption.names.contains($0) }.sorted(),
                    stopped: stopped.filter { kernels[$0] == nil }.sorted(),
                    handoff: .milliseconds(Int64(max(0, handoffTime * 1000)))))
        }
        await withTaskGroup(of: Void.self) { group in
            for kernel in graph.kernels where kernels[kernel.header.name.value] != nil {
                let name = kernel.header.name.value
                let dependencies = kernel.dependsOn.map(\.value).filter { kernels[$0] != nil }
                group.addTask { await self.start(name, after: dependencies) }
            }
        }
        startMetrics()
        isBooted = true
    }

    /// Starts `name` once each of `dependencies` is ready, or its readiness timeout passed (journaled).
    private func start(_ name: String, after dependencies: [String]) async {
        for dependency in dependencies {
            if !(await waitUntilReady(dependency, timeout: configuration.readinessTimeout)) {
                journal.append(
                    .kernelDependencyNotReady(kernel: name, dependency: dependency, action: "starting anyway"))
            }
        }
        startKernel(name)
    }

    /// Stops every kernel, dependents before their dependencies, and waits for them to exit. After
    /// `beginHandoff()`, hands them over to the next image instead (see `handOver()`).
    public func shutdown() async {
        if handingOff {
            await handOver()
            return
        }
        shuttingDown = true
        metricsTask?.cancel()
        journal.append(.graceStopping)
        for kernel in graph.kernels.reversed() {
            let name = kernel.header.name.value
            guard let runtime = kernels[name] else { continue }
            // Dependents are earlier in this reversed order and were stopped first.
            await stop(name, reason: "shutdown")
            if runtime.lifecycle.state.pid != nil { await waitForExit(name) }
            cancelWatches(runtime)
        }
        closeNotify()
        journal.append(.graceStopped)
    }

    // MARK: - Re-executing in place

    /// Prepares `grace reexec`: from now on no kernel is started or restarted (an exit is journaled, and the next
    /// image starts the kernel afresh), and the graceful shutdown that follows hands the kernels over instead of
    /// stopping them.
    public func beginHandoff() {
        handingOff = true
        shuttingDown = true
    }

    /// Detaches every running kernel for the next image, leaving its process alone: timers, probes and watchdogs
    /// end, its output pipes are duplicated for the next image and no longer read here, and the notify socket
    /// closes (the next image binds it again at the same path). A kernel on its way out is waited for (it is not
    /// handed over); one whose output cannot be detached is not handed over either, and the next image stops it
    /// as a leftover and starts it again. Fills `handedOver`.
    private func handOver() async {
        metricsTask?.cancel()
        var entries: [ReexecHandoff.Kernel] = []
        for kernel in graph.kernels {
            let name = kernel.header.name.value
            guard let runtime = kernels[name] else { continue }
            if case .stopping = runtime.lifecycle.state { await waitForExit(name) }
            runtime.timer?.cancel()
            cancelWatches(runtime)
            guard let pid = runtime.lifecycle.state.pid, runtime.captures.count == 2 else { continue }
            var descriptors: [Int32] = []
            for capture in runtime.captures {
                if let fd = await capture.detach() { descriptors.append(fd) }
            }
            guard descriptors.count == 2 else {
                descriptors.forEach { _ = close($0) }
                continue
            }
            entries.append(
                ReexecHandoff.Kernel(
                    name: name, pid: pid, startTicks: ProcessIdentity.of(pid)?.startTicks, stdoutFD: descriptors[0],
                    stderrFD: descriptors[1], ready: runtime.isReady, startedAt: runtime.startedAt ?? Date(),
                    restarts: runtime.lifecycle.totalRestarts, requestedRestarts: runtime.requestedRestarts,
                    paused: runtime.paused, cgroup: runtime.cgroup?.path, notifySocket: notify?.path))
        }
        closeNotify()
        handedOver = entries
    }

    /// Adopts the kernels the previous image handed over (`configuration.handoff`) and deletes the handoff file. A
    /// kernel is adopted when this graph still declares it and its process is the one handed over (alive, this
    /// Grace's child, same start time); its output is captured again from the inherited pipes, the reaper watches
    /// it, its watchdog and probe start over. Inherited pipes of a kernel not adopted are closed.
    private func adoptHandedOver() -> (names: Set<String>, pids: Set<Int32>) {
        try? FileManager.default.removeItem(
            atPath: ReexecHandoff.path(in: configuration.stateDirectory))
        guard let handoff = configuration.handoff else { return ([], []) }
        var names: Set<String> = []
        var pids: Set<Int32> = []
        for entry in handoff.kernels {
            if let runtime = kernels[entry.name], adopt(runtime, entry) {
                names.insert(entry.name)
                pids.insert(entry.pid)
            } else {
                _ = close(entry.stdoutFD)
                _ = close(entry.stderrFD)
            }
        }
        return (names, pids)
    }

    private func adopt(_ runtime: KernelRuntime, _ entry: ReexecHandoff.Kernel) -> Bool {
        let pid = entry.pid
        guard pid > 0, let identity = ProcessIdentity.of(pid), identity.parent == getpid(),
            entry.startTicks == nil || entry.startTicks == identity.startTicks,
            LeftoverProcess.matches(pid: pid, processGroup: pid),
            fcntl(entry.stdoutFD, F_SETFD, FD_CLOEXEC) == 0, fcntl(entry.stderrFD, F_SETFD, FD_CLOEXEC) == 0,
            let logFile = try? runtime.logFile ?? LogFile(path: logPath(runtime.name))
        else { return false }
        let name = runtime.name
        if notify == nil { try? openNotify() }
        runtime.logFile = logFile
        runtime.placed = true
        runtime.cgroup = entry.cgroup.map { URL(fileURLWithPath: $0) }
        if runtime.cgroup == nil {
            runtime.unenforcedLimits = UnenforcedLimit.all(
                of: runtime.kernel, reason: "no cgroup v2: \(environment.cgroupsUnavailable)")
        }
        let hub = environment.hub
        let forward: @Sendable (LogLine) -> Void = { hub.publish(.log($0)) }
        runtime.captures = [
            LogCapture(
                kernel: name, stream: .stdout, fd: entry.stdoutFD, file: logFile, reactor: environment.reactor,
                onLine: forward),
            LogCapture(
                kernel: name, stream: .stderr, fd: entry.stderrFD, file: logFile, reactor: environment.reactor,
                onLine: forward),
        ]
        runtime.captures.forEach { $0.start() }
        kernelsByPID[pid] = name
        runtime.startedAt = entry.startedAt
        runtime.paused = entry.paused
        runtime.requestedRestarts = entry.requestedRestarts
        runtime.health.reset()
        let since = now - .milliseconds(Int64(max(0, Date().timeIntervalSince(entry.startedAt) * 1000)))
        runtime.lifecycle.adopted(pid: pid, since: since, ready: entry.ready, restarts: entry.restarts)
        // Its exit may already wait in the reaper (it ended during the exec): then this runs at once.
        environment.reaper.watch(pid) { [weak self] status in
            Task { await self?.exited(name, pid: pid, status: status) }
        }
        if runtime.isReady {
            becameReady(runtime)
        } else {
            scheduleStartTimeout(runtime)
        }
        startProbe(runtime, pid: pid, spawnedAt: since)
        return true
    }

    // MARK: - Operations

    /// Starts a stopped, backing-off or given-up kernel now; does nothing for one that runs, or during shutdown.
    public func startKernel(_ name: String) {
        guard let runtime = kernels[name], !shuttingDown, effective(runtime) != nil else { return }
        switch runtime.lifecycle.start(now: now) {
        case .spawn: spawn(runtime)
        case .ignored: break
        }
    }

    /// Stops a kernel: its stop signal to the group, SIGKILL after its grace period; it is not restarted. Returns
    /// once the signal is sent (`stopAndWait` waits for the exit).
    public func stop(
        _ name: String, reason: String = "requested", signal: Int32? = nil, grace: Duration? = nil
    ) async {
        guard let runtime = kernels[name] else { return }
        // A paused (SIGSTOPped) kernel cannot act on its stop signal: let it run again first.
        if runtime.paused, let pid = runtime.lifecycle.state.pid {
            runtime.paused = false
            Spawner.signalGroup(pid, SIGCONT)
        }
        switch runtime.lifecycle.stop(now: now, reason: reason, signal: signal, grace: grace) {
        case .signal(let event, let pid, let signal, let killAt):
            journal.append(event)
            Spawner.signalGroup(pid, signal)
            schedule(runtime, at: killAt)
        case .stopped(let event):
            runtime.timer?.cancel()
            journal.append([event], saving: record(of: runtime, lastExit: nil))
        case .ignored:
            break
        }
    }

    /// Stops the kernel and returns once its process has exited (SIGKILL after the grace period included).
    public func stopAndWait(
        _ name: String, reason: String = "requested", signal: Int32? = nil, grace: Duration? = nil
    ) async {
        await stop(name, reason: reason, signal: signal, grace: grace)
        await waitForExit(name)
    }

    /// Starts the kernel; if it is still stopping, first waits for that exit.
    public func startAfterExit(_ name: String) async {
        if case .stopping? = kernels[name]?.lifecycle.state { await waitForExit(name) }
        startKernel(name)
    }

    /// Stops the kernel, waits for its exit, and starts it again: a restart asked for, journaled first as
    /// `kernel.restart_requested` with who asked; the restart policy's intensity does not count it.
    /// `grace` overrides the kernel's stop grace period for this restart.
    public func restart(_ name: String, origin: RestartOrigin, reason: String, grace: Duration? = nil) async {
        guard requestRestart(name, origin: origin, reason: reason) else { return }
        await performRequestedRestart(name, reason: reason, grace: grace)
    }

    /// The first half of `restart`: journals `kernel.restart_requested` and counts it, and returns once the entry
    /// is written, so that whoever answers "restarting" (the API) does so only for a request on record. False for
    /// an unknown kernel. `performRequestedRestart` does the rest.
    public func requestRestart(_ name: String, origin: RestartOrigin, reason: String) -> Bool {
        guard let runtime = kernels[name] else { return false }
        runtime.requestedRestarts += 1
        journal.append(
            .kernelRestartRequested(kernel: name, pid: runtime.lifecycle.state.pid, origin: origin, reason: reason))
        return true
    }

    /// The second half of `restart`, after `requestRestart`: stops the kernel, waits for its exit, starts it again.
    public func performRequestedRestart(_ name: String, reason: String, grace: Duration? = nil) async {
        guard let runtime = kernels[name] else { return }
        if runtime.lifecycle.state.pid != nil {
            await stop(name, reason: reason, grace: grace)
            await waitForExit(name)
        }
        startKernel(name)
    }

    /// SIGSTOP to the kernel's process group. A paused kernel's failed probes are not reported, and its watchdog
    /// is held: a stopped process cannot beat, and killing it would undo the pause (shed-load's, for one).
    public func pause(_ name: String, reason: String) -> Bool {
        guard let runtime = kernels[name], let pid = runtime.lifecycle.state.pid, !runtime.paused else {
            return kernels[name]?.paused ?? false
        }
        journal.append(.kernelPaused(kernel: name, pid: pid, reason: reason))
        runtime.paused = true
        runtime.watchdog?.cancel()
        runtime.watchdog = nil
        return Spawner.signalGroup(pid, SIGSTOP)
    }

    /// SIGCONT to the kernel's process group; its probe failures count from zero again, and its watchdog interval
    /// starts over.
    public func resume(_ name: String, reason: String) -> Bool {
        guard let runtime = kernels[name], let pid = runtime.lifecycle.state.pid, runtime.paused else { return false }
        journal.append(.kernelResumed(kernel: name, pid: pid, reason: reason))
        runtime.paused = false
        runtime.health.reset(keepVerdict: true)
        if runtime.isReady { armWatchdog(runtime) }
        return Spawner.signalGroup(pid, SIGCONT)
    }

    /// Sends `signal` to the kernel's process group.
    public func signal(_ name: String, _ signal: Int32) -> Bool {
        guard let pid = kernels[name]?.lifecycle.state.pid else { return false }
        journal.append(.kernelSignalled(kernel: name, pid: pid, signal: signal))
        return Spawner.signalGroup(pid, signal)
    }

    // MARK: - Queries

    /// Healthy: running (and ready), not paused, and its probe (if any) last passed.
    public func isHealthy(_ name: String) -> Bool {
        guard let runtime = kernels[name], runtime.isReady, !runtime.paused else { return false }
        return runtime.kernel.health == nil || runtime.health.healthy == true
    }

    /// Whether the kernel has a process (starting, running or stopping).
    public func isRunning(_ name: String) -> Bool { kernels[name]?.lifecycle.state.pid != nil }

    /// Whether Grace stopped restarting the kernel (its restart intensity was breached): nothing brings it back
    /// but a `start` or `restart`.
    public func hasGivenUp(_ name: String) -> Bool {
        guard case .gaveUp = kernels[name]?.lifecycle.state else { return false }
        return true
    }

    /// Whether the kernel's group is SIGSTOPped by `pause`.
    public func isPaused(_ name: String) -> Bool { kernels[name]?.paused ?? false }

    /// Kernels of a tier, in boot order.
    public func kernels(inTier tier: Kernel.Tier) -> [String] {
        graph.kernels.filter { $0.tier == tier && kernels[$0.header.name.value] != nil }.map(\.header.name.value)
    }

    /// The graph and every kernel's status, in one call (the API answers `/v1/status` with both).
    public func overview() -> (graph: ExecutionGraph, kernels: [KernelStatus]) {
        (graph, status())
    }

    /// Every supervised kernel as it is now, in boot order.
    public func status() -> [KernelStatus] {
        graph.kernels.compactMap { kernel in
            guard let r = kernels[kernel.header.name.value] else { return nil }
            let healthy = isHealthy(r.name)
            // Healthy or not is a statement about a ready process: none for a kernel stopped, starting or backing off.
            return KernelStatus(
                name: r.name, phase: r.lifecycle.state.phase, pid: r.lifecycle.state.pid,
                restarts: r.lifecycle.totalRestarts + r.requestedRestarts, healthy: r.isReady ? healthy : nil,
                metrics: r.metrics, tier: kernel.tier, paused: r.paused,
                startedAt: r.lifecycle.state.pid == nil ? nil : r.startedAt, isHealthy: healthy,
                unenforcedLimits: r.unenforcedLimits)
        }
    }

    /// The kernel's process id (also its process group), when it has a process.
    public func pid(of name: String) -> Int32? { kernels[name]?.lifecycle.state.pid }

    /// Latest cgroup figures of a kernel (nil without cgroup v2).
    public func cgroupSample(of name: String) -> CgroupSample? { kernels[name]?.cgroupSample }

    /// Latest metrics of a kernel (nil until two samples were taken).
    public func metrics(of name: String) -> KernelMetrics? { kernels[name]?.metrics }

    /// Waits until the kernel is ready; false after `timeout` or when it gave up.
    public func waitUntilReady(_ name: String, timeout: Duration) async -> Bool {
        guard let runtime = kernels[name] else { return false }
        if runtime.isReady { return true }
        let clock = environment.clock
        let timeoutTask = Task {
            try? await clock.sleep(for: timeout)
            guard !Task.isCancelled else { return }
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

    // MARK: - Performing the lifecycle's results

    private func spawn(_ runtime: KernelRuntime) {
        guard !shuttingDown else { return }
        let name = runtime.name
        // Held by the fleet role (a restart timer that fired after a demotion): it starts again on promotion.
        guard let kernel = effective(runtime) else { return }
        do {
            let spec = try runtime.spec ?? specs.spec(for: kernel)
            runtime.spec = spec
            let logFile = try runtime.logFile ?? LogFile(path: logPath(name))
            runtime.logFile = logFile
            if notify == nil { try openNotify() }
            if !runtime.placed { place(runtime) }
            let spawned = try spawner.spawn(
                spec, kernel: kernel, notifySocket: notify?.path, logFile: logFile,
                cgroup: runtime.cgroup
            ) { [weak self] pid, status in
                Task { await self?.exited(name, pid: pid, status: status) }
            }
            let pid = spawned.pid
            kernelsByPID[pid] = name
            runtime.captures = spawned.captures
            runtime.health.reset()
            runtime.paused = false
            runtime.startedAt = Date()
            let result = runtime.lifecycle.spawned(pid: pid, now: now)
            journal.append(result.events, saving: record(of: runtime, lastExit: nil))
            if result.isReady {
                becameReady(runtime)
            } else {
                scheduleStartTimeout(runtime)
            }
            startProbe(runtime, pid: pid)
        } catch {
            failed(runtime, runtime.lifecycle.spawnFailed(String(describing: error), now: now), lastExit: nil)
        }
    }

    /// The reaper saw a process end (on its thread; delivered here through a task).
    private func exited(_ name: String, pid: Int32, status: ExitStatus) {
        if kernelsByPID[pid] == name { kernelsByPID.removeValue(forKey: pid) }
        guard let runtime = kernels[name], runtime.lifecycle.state.pid == pid else { return }
        cancelWatches(runtime)
        // What was true of the process is not true of the kernel now: no verdict, no figures.
        runtime.metrics = nil
        runtime.health.reset()
        failed(runtime, runtime.lifecycle.exited(status, now: now), lastExit: status.description)
        let waiters = runtime.exitWaiters
        runtime.exitWaiters = []
        waiters.forEach { $0.resume() }
    }

    /// Journals a failure's events (an exit and the restart decision in one transaction, before anything is
    /// done), then restarts by the decision.
    private func failed(_ runtime: KernelRuntime, _ result: KernelLifecycle.FailureResult, lastExit: String?) {
        guard !result.events.isEmpty else { return }
        // A process that went away for good changes the record, in the same transaction as its events; a restart
        // leaves it to the next spawn.
        switch result.restart {
        case .none, .gaveUp: journal.append(result.events, saving: record(of: runtime, lastExit: lastExit))
        case .now, .after: journal.append(result.events)
        }
        switch result.restart {
        case .none:
            break
        case .now:
            spawn(runtime)
            // The restart history is bookkeeping, not the record of truth (the journal is, and it is on disk
            // before anything is acted on): written after the respawn, which must not wait for a second commit.
            recordRestart(runtime, delay: .zero)
        case .after(let delay, let at, _):
            schedule(runtime, at: at)
            recordRestart(runtime, delay: delay)
        case .gaveUp(let reason):
            let waiters = runtime.readyWaiters
            runtime.readyWaiters = []
            waiters.forEach { $0.resume(returning: false) }
            logger.error("kernel \(runtime.name) needs escalation: \(reason)")
        }
    }

    private func recordRestart(_ runtime: KernelRuntime, delay: Duration) {
        try? store.record(
            RestartRecord(kernel: runtime.name, time: Date(), reason: "exit", delayMilliseconds: delay.milliseconds))
    }

    private func schedule(_ runtime: KernelRuntime, at deadline: Duration) {
        runtime.timer?.cancel()
        let name = runtime.name
        let clock = environment.clock
        runtime.timer = Task { [weak self] in
            try? await clock.sleep(untilOffset: deadline)
            guard !Task.isCancelled else { return }
            await self?.timerFired(name)
        }
    }

    /// Puts a kernel in its cgroup (v2) before its first spawn. Where that cannot be done, its memory and CPU limits
    /// are not enforced: that is journaled and logged once, and `memory` percentages are not computed for it.
    private func place(_ runtime: KernelRuntime) {
        runtime.placed = true
        let reason: String
        do {
            if let group = try spawner.makeCgroup(for: runtime.kernel) {
                runtime.cgroup = group
                return
            }
            reason = "no cgroup v2: \(environment.cgroupsUnavailable)"
        } catch {
            reason = "its cgroup could not be set up: \(error)"
        }
        runtime.unenforcedLimits = UnenforcedLimit.all(of: runtime.kernel, reason: reason)
        guard !runtime.unenforcedLimits.isEmpty else { return }
        let limits = runtime.unenforcedLimits.map { "\($0.limit)=\($0.value)" }.joined(separator: " ")
        journal.append(.kernelLimitsUnenforced(kernel: runtime.name, limits: limits, reason: reason))
        environment.logger.warning("kernel \(runtime.name): limits not enforced (\(limits)): \(reason)")
    }

    private func scheduleStartTimeout(_ runtime: KernelRuntime) {
        runtime.startTimer?.cancel()
        let name = runtime.name
        let clock = environment.clock
        let deadline = now + runtime.lifecycle.policy.startTimeout
        runtime.startTimer = Task { [weak self] in
            try? await clock.sleep(untilOffset: deadline)
            guard !Task.isCancelled else { return }
            await self?.startTimerFired(name)
        }
    }

    private func startTimerFired(_ name: String) {
        guard let runtime = kernels[name] else { return }
        performKill(runtime.lifecycle.startTimerFired(now: now))
    }

    private func timerFired(_ name: String) {
        guard let runtime = kernels[name] else { return }
        switch runtime.lifecycle.timerFired(now: now) {
        case .spawn:
            spawn(runtime)
        case .kill(let event, let pid):
            journal.append(event)
            Spawner.signalGroup(pid, SIGKILL)
        case .ignored:
            break
        }
    }

    private func ready(_ runtime: KernelRuntime) {
        switch runtime.lifecycle.ready(now: now) {
        case .ready(let event):
            journal.append(event)
            becameReady(runtime)
        case .ignored:
            break
        }
    }

    /// Wakes those waiting for readiness, arms the watchdog, and probes a notify kernel at once.
    private func becameReady(_ runtime: KernelRuntime) {
        runtime.startTimer?.cancel()
        runtime.startTimer = nil
        let waiters = runtime.readyWaiters
        runtime.readyWaiters = []
        waiters.forEach { $0.resume(returning: true) }
        if !runtime.paused { armWatchdog(runtime) }
        // The kernel says it serves now (READY=1): probe at once, even within `start_period`, rather than a probe
        // period (or what is left of the start period) later, so that its health is known as soon as it can be. As
        // Docker's start period: a pass in it counts, failures in it do not (`probed`).
        if runtime.kernel.ready == .notify, runtime.health.healthy == nil,
            case .running(let pid, _) = runtime.lifecycle.state
        {
            startProbe(runtime, pid: pid, immediately: true)
        }
    }

    /// Arms the kernel's watchdog afresh, when it declares one: the next beat is due within its interval.
    private func armWatchdog(_ runtime: KernelRuntime) {
        guard let interval = runtime.kernel.watchdog else { return }
        runtime.watchdog?.cancel()
        let name = runtime.name
        runtime.watchdog = WatchdogTimer(interval: interval, clock: environment.clock) { [weak self] in
            await self?.watchdogMissed(name)
        }
    }

    private func cancelWatches(_ runtime: KernelRuntime) {
        runtime.startTimer?.cancel()
        runtime.startTimer = nil
        runtime.probeTask?.cancel()
        runtime.probeTask = nil
        runtime.watchdog?.cancel()
        runtime.watchdog = nil
    }

    /// The record tracks what a new Grace must clean up after a crash: written when a process appears or goes
    /// away for good, with the events that say so, not on every event (the journal has those).
    private func record(of runtime: KernelRuntime, lastExit: String?) -> KernelRecord {
        let pid = runtime.lifecycle.state.pid
        var record = KernelRecord(
            name: runtime.name, state: runtime.lifecycle.state.phase.rawValue, pid: pid, processGroup: pid,
            restarts: runtime.lifecycle.totalRestarts,
            specHash: graph.documentHashes[DocumentID(kind: .kernel, name: runtime.name)])
        record.lastExit = lastExit
        // With the pid, when it started: a cleanup after a crash signals the recorded pid only if the process there
        // started then (a reused pid may lead a group of its own; Foundation's `Process` children all do).
        record.startedAt = pid == nil ? nil : runtime.startedAt
        return record
    }

    private func logPath(_ name: String) -> String {
        configuration.stateDirectory.appendingPathComponent("logs/\(name).log").path
    }

    // MARK: - sd_notify and the watchdog

    private func openNotify() throws {
        let path = configuration.stateDirectory.appendingPathComponent("notify/kernels.sock").path
        let socket = try NotifySocket(path: path, reactor: environment.reactor)
        notify = socket
        notifyTask = Task { [weak self] in
            for await message in socket.messages {
                await self?.notified(message)
            }
        }
    }

    private func closeNotify() {
        notifyTask?.cancel()
        notify?.close()
        notify = nil
    }

    /// A notification is a kernel's when it comes from the kernel's main process or any process of its group
    /// (systemd's NotifyAccess=all), because `systemd-notify` and shell wrappers send from their own pids. The
    /// socket resolved the sender's group while it was alive (systemd-notify exits at once).
    private func notified(_ message: NotifyMessage) {
        guard let sender = message.senderPID,
            let name = kernelsByPID[sender] ?? message.senderProcessGroup.flatMap({ kernelsByPID[$0] }),
            let runtime = kernels[name], let pid = runtime.lifecycle.state.pid,
            sender == pid || message.senderProcessGroup == pid
        else { return }
        if let status = message.status { journal.append(.kernelStatus(kernel: name, status: status)) }
        if message.isReady, runtime.isStarting { ready(runtime) }
        if message.isWatchdog {
            runtime.watchdog?.beat()
            environment.hub.publish(.heartbeat(kernel: name))
        }
        if message.isStopping { journal.append(.kernelStoppingNotified(kernel: name, pid: pid)) }
    }

    /// A missed watchdog is an event, and the kernel is killed and restarted by policy, as systemd does.
    private func watchdogMissed(_ name: String) {
        guard let runtime = kernels[name], let interval = runtime.kernel.watchdog, runtime.watchdog != nil else {
            return
        }
        runtime.watchdog = nil
        journal.append(.kernelWatchdogTimeout(kernel: name, after: interval))
        performKill(runtime.lifecycle.kill(now: now, reason: "watchdog timeout"))
    }

    private func performKill(_ result: KernelLifecycle.KillResult) {
        switch result {
        case .kill(let events, let pid):
            journal.append(events)
            Spawner.signalGroup(pid, SIGKILL)
        case .ignored:
            break
        }
    }

    // MARK: - Health

    /// Starts (or restarts) the kernel's probe loop; its first probe waits for what is left of `start_period`
    /// counted from the spawn, unless `immediately`.
    private func startProbe(
        _ runtime: KernelRuntime, pid: Int32, spawnedAt: Duration? = nil, immediately: Bool = false
    ) {
        runtime.probeTask?.cancel()
        guard let health = runtime.kernel.health else { return }
        let probe = makeProbe(for: health, root: configuration.root, runner: commands, reactor: environment.reactor)
        let name = runtime.name
        let firstAfter = immediately ? .zero : health.startPeriod - (spawnedAt.map { now - $0 } ?? .zero)
        runtime.probeTask = ProbeLoop.start(probe, health: health, firstAfter: firstAfter, clock: environment.clock) {
            [weak self] result, latency in
            await self?.probed(name, pid: pid, result: result, latency: latency)
        }
    }

    private func probed(_ name: String, pid: Int32, result: ProbeResult, latency: Duration) {
        guard let runtime = kernels[name], runtime.lifecycle.state.pid == pid, !runtime.paused else { return }
        let starting = runtime.isStarting
        // A kernel still starting may not listen yet: how long a refused probe took says nothing about it.
        if !starting { environment.hub.publish(.probe(kernel: name, latency: latency, healthy: result.isHealthy)) }
        // Failures within `start_period` of the spawn do not count either (a kernel may say READY=1 before it
        // answers everything); a pass does.
        var inStartPeriod = false
        if let period = runtime.kernel.health?.startPeriod, case .running(_, let since) = runtime.lifecycle.state {
            inStartPeriod = now - since < period
        }
        switch runtime.health.record(result, starting: starting || inStartPeriod) {
        case .becameHealthy:
            journal.append(.kernelHealthy(kernel: name))
        case .becameUnhealthy(let reason, let failures):
            journal.append(.kernelUnhealthy(kernel: name, reason: reason, failures: failures))
        case nil:
            break
        }
        if result.isHealthy, runtime.kernel.ready == .health, starting { ready(runtime) }
    }

    // MARK: - Metrics

    private func startMetrics() {
        metricsTask?.cancel()
        let interval = configuration.metricsInterval
        let clock = environment.clock
        metricsTask = Task { [weak self] in
            while !Task.isCancelled {
                await self?.sampleMetrics()
                try? await clock.sleep(for: interval)
            }
        }
    }

    private func sampleMetrics() {
        var processes: [String: MetricsSampler.Process] = [:]
        for (name, runtime) in kernels {
            guard let pid = runtime.lifecycle.state.pid else { continue }
            let lines = runtime.captures.reduce(0) { $0 + $1.linesDelivered }
            processes[name] = MetricsSampler.Process(pid: pid, cgroup: runtime.cgroup, lines: lines)
        }
        let round = sampler.sample(processes)
        if let host = round.host {
            hostSample = host
            environment.hub.publish(.host(host))
        }
        for (name, sampled) in round.kernels {
            guard let runtime = kernels[name] else { continue }
            var metrics = sampled
            // A percentage of a limit nothing enforces would be a number about nothing.
            if runtime.cgroup != nil { metrics.memoryLimitBytes = runtime.kernel.limits.memory?.bytes }
            runtime.metrics = metrics
            environment.hub.publish(.metrics(kernel: name, metrics))
        }
        for (name, sample) in round.cgroups { kernels[name]?.cgroupSample = sample }
    }

    /// Samples now instead of waiting for the interval (tests, `grace status`).
    public func sampleNow() { sampleMetrics() }

    // MARK: - Reload

    /// Applies a new graph: starts added kernels, restarts changed ones (stop, then start with the new
    /// definition), stops removed ones, and leaves every other kernel untouched. Returns what it did.
    public func apply(_ newGraph: ExecutionGraph) async -> GraphDiff {
        let newGraph = AgentKernel.adding(
            to: newGraph, executable: configuration.agentExecutable, root: configuration.root,
            stateDirectory: configuration.stateDirectory.path)
        let plan = ReloadPlan(from: graph, to: newGraph, supervised: Set(kernels.keys))
        graph = newGraph
        let restarting = Set(plan.diff.kernelsToRestart)
        for name in plan.stops {
            guard let runtime = kernels[name] else { continue }
            if restarting.contains(name) {
                journal.append(
                    .kernelRestartRequested(
                        kernel: name, pid: runtime.lifecycle.state.pid, origin: .reload, reason: "its document changed")
                )
            }
            await stop(name, reason: "reload")
            if runtime.lifecycle.state.pid != nil { await waitForExit(name) }
            cancelWatches(runtime)
            runtime.timer?.cancel()
            kernels.removeValue(forKey: name)
            if let group = runtime.cgroup { environment.cgroups?.remove(group) }
        }
        for start in plan.starts {
            guard let kernel = newGraph.kernel(start.kernel) else { continue }
            kernels[start.kernel] = KernelRuntime(kernel: kernel)
            await self.start(start.kernel, after: start.dependencies)
        }
        return plan.diff
    }

    // MARK: - Fleet role

    /// The kernel as it runs in the current fleet role, nil when the role holds it stopped.
    private func effective(_ runtime: KernelRuntime) -> Kernel? {
        placement(of: runtime.kernel).kernel(runtime.kernel, in: roleMode)
    }

    private func placement(of kernel: Kernel) -> KernelPlacement {
        guard let instance = configuration.fleetInstance, let fleet = graph.fleet(listing: instance) else {
            return .everywhere
        }
        return KernelPlacement.of(kernel, in: fleet, agentKernel: AgentKernel.name)
    }

    /// Moves the kernels to what `mode` runs: stops those it holds (dependents first) and waits for their exit,
    /// which is the fencing of a demoted primary; restarts replicas that now run their standby command; starts
    /// the rest in dependency order. Replicas of a promoted instance keep running: the promotion playbook turns
    /// them into the primary's. `grace` shortens the kernels' stop grace (a primary fencing itself before its lease
    /// lapses kills what has not stopped by then). Returns the kernels stopped and started.
    @discardableResult
    public func applyRole(_ mode: FleetRoleMode, grace: Duration? = nil) async -> (stopped: [String], started: [String])
    {
        let old = roleMode
        guard mode != old else { return ([], []) }
        roleMode = mode
        var stopping: [String] = []
        var starting: [String] = []
        for kernel in graph.kernels.reversed() {
            let name = kernel.header.name.value
            guard let runtime = kernels[name] else { continue }
            let placement = placement(of: runtime.kernel)
            let before = placement.kernel(runtime.kernel, in: old)
            let after = placement.kernel(runtime.kernel, in: mode)
            if before != after { runtime.spec = nil }
            if after == nil {
                if runtime.lifecycle.state.pid != nil || before != nil { stopping.append(name) }
            } else if before == nil || (before != after && mode == .hotStandby) {
                if runtime.lifecycle.state.pid != nil { stopping.append(name) }
                starting.append(name)
            }
        }
        let reason = "fleet: now \(mode.rawValue)"
        for name in stopping {
            let own = kernels[name]?.kernel.stop.grace ?? .seconds(10)
            await stop(name, reason: reason, grace: grace.map { min($0, own) })
        }
        for name in stopping { await waitForExit(name) }
        let startingSet = Set(starting)
        await withTaskGroup(of: Void.self) { group in
            for kernel in graph.kernels where startingSet.contains(kernel.header.name.value) {
                let name = kernel.header.name.value
                let dependencies = kernel.dependsOn.map(\.value).filter {
                    guard let runtime = kernels[$0] else { return false }
                    return effective(runtime) != nil
                }
                group.addTask { await self.start(name, after: dependencies) }
            }
        }
        return (stopping.reversed(), graph.kernels.map(\.header.name.value).filter { startingSet.contains($0) })
    }

    /// Kernels the current fleet role holds stopped.
    public var heldKernels: [String] {
        kernels.values.filter { effective($0) == nil }.map(\.name).sorted()
    }
}
