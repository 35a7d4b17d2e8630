import Foundation
import GraceDSL
import Interpreter
import Logging

/// Grace's root supervisor: the one parent of every in-process component, in the manner of an Erlang/OTP
/// supervision tree. It restarts a component that throws or goes silent (one_for_one), counts those restarts
/// against an intensity limit, and when a limit breaks it escalates upward, never sideways: one component too
/// often -> rebuild every component (one_for_all) -> too many rebuilds -> re-execute Grace in place -> too many of
/// those -> the operator (the component stays down, journaled, until someone restarts it by hand). So two
/// components never restart each other forever.
///
/// The agent's process is not the root's child: it is a kernel, which the supervisor and the healer's playbooks
/// look after (`restart_component: agent`). The root steps in for it only in a deadlock, when the healer, its
/// supervisor, is silent too: then it restarts the healer first, waits for it to beat, and restarts the agent
/// after a jittered pause.
public actor ComponentTree {
    /// What a restart request came to.
    public enum RestartResult: Sendable, Equatable {
        /// Restarted: its new run began `took` after the request.
        case restarted(incarnation: Int, took: Duration)
        /// Not restarted: its current run began only `age` ago (another restart got there first).
        case recent(age: Duration)
        /// Not restarted: its restarts broke the limit and the root escalated instead (`to`: rebuild, reexec or
        /// operator).
        case escalated(to: String)
        /// Not restarted: no such component, or one the root cannot restart in-process (why).
        case refused(String)
    }

    /// What a component's service does with the order it gets.
    enum Order: Sendable {
        case restart(reason: String, by: String)
    }

    private struct Child {
        let name: String
        let restartable: Bool
        let interval: Duration
        var mailbox: AsyncStream<ComponentService.Signal>.Continuation
        /// Wedges its loop (a drill's `hang` fault).
        let hang: @Sendable () async -> Bool
        var incarnation = 1
        var startedAt: Duration
        /// When its restarts happened (the root's clock), pruned to the component window.
        var restarts: [Duration] = []
        /// Escalated to the operator: the root restarts it no more until someone does by hand.
        var gaveUp = false
        var waiters: [CheckedContinuation<RestartResult, Never>] = []
    }

    private var children: [String: Child] = [:]
    private var order: [String] = []
    private var rebuilds: [Duration] = []
    private let registry: ComponentRegistry
    private let journal: Journal
    private let clock: RuntimeClock
    private let limits: GraceSettings.Supervision
    private let logger: Logger
    private var reexec: (@Sendable (String) async -> Bool)?
    private var restartAgentProcess: (@Sendable (_ reason: String, _ by: String) async -> Void)?
    private var deadlockInProgress = false
    /// Components whose current run has given its first heartbeat.
    private var beating: Set<String> = []
    /// Who waits for a component's current run to beat (`firstBeat`), by component.
    private var beatWaiters: [String: [(id: Int, continuation: CheckedContinuation<Bool, Never>)]] = [:]
    private var nextWaiter = 0
    private var random = SystemRandomNumberGenerator()

    /// A root over the components registered in `registry`, journaling into `journal`, with `limits` per level.
    public init(
        registry: ComponentRegistry, journal: Journal, clock: RuntimeClock, limits: GraceSettings.Supervision,
        logger: Logger
    ) {
        self.registry = registry
        self.journal = journal
        self.clock = clock
        self.limits = limits
        self.logger = logger
    }

    /// What the root does past its rebuild limit: re-execute Grace in place (true when it is under way; false when
    /// it was refused, and the root calls the operator instead). Without one, the root goes to the operator.
    public func setReexec(_ reexec: (@Sendable (String) async -> Bool)?) { self.reexec = reexec }

    /// How `restart_component: agent`, an operator and a deadlock restart the agent's process (its kernel), given
    /// a reason and who asks (`root`, `run ID`, `operator`).
    public func setAgentProcessRestarter(_ restart: (@Sendable (_ reason: String, _ by: String) async -> Void)?) {
        restartAgentProcess = restart
    }

    // MARK: - Services

    /// A component's service announces itself and where its orders go; `restartable` false for one the root can
    /// only re-execute (the supervisor, which holds the kernels).
    func attach(
        _ name: String, restartable: Bool, interval: Duration,
        mailbox: AsyncStream<ComponentService.Signal>.Continuation, hang: @escaping @Sendable () async -> Bool
    ) {
        children[name] = Child(
            name: name, restartable: restartable, interval: interval, mailbox: mailbox, hang: hang,
            startedAt: clock.elapsedTime)
        if !order.contains(name) { order.append(name) }
    }

    /// A component's service started its `incarnation`th run after an order of `by` for `reason`, `took` after it.
    func restarted(_ name: String, incarnation: Int, reason: String, by: String, took: Duration) {
        guard var child = children[name] else { return }
        beating.remove(name)
        child.incarnation = incarnation
        child.startedAt = clock.elapsedTime
        let waiters = child.waiters
        child.waiters = []
        children[name] = child
        registry.noteRestart(name)
        journal.append(
            .componentRestarted(
                component: name, reason: reason, by: by, incarnation: incarnation, restarts: child.restarts.count,
                took: took))
        for waiter in waiters { waiter.resume(returning: .restarted(incarnation: incarnation, took: took)) }
    }

    /// A component's run threw (`error`): true when the service is to start it again, false when the root gave
    /// up on it (escalated; the service leaves it failed).
    func failed(_ name: String, error: String) async -> Bool {
        guard let child = children[name], child.restartable, !child.gaveUp else { return false }
        guard count(name) else {
            _ = await escalate(from: name, reason: "\(name) failed: \(error)")
            return !(children[name]?.gaveUp ?? true)
        }
        return true
    }

    /// A component's service got the first heartbeat of the component's current run.
    func beganBeating(_ name: String) {
        beating.insert(name)
        for waiter in beatWaiters.removeValue(forKey: name) ?? [] { waiter.continuation.resume(returning: true) }
    }

    /// Waits until the current run of `name` has given its first heartbeat, at most `timeout`; false when it did
    /// not in time.
    func firstBeat(of name: String, within timeout: Duration) async -> Bool {
        if beating.contains(name) { return true }
        nextWaiter += 1
        let id = nextWaiter
        let clock = clock
        let deadline = Task { [weak self] in
            guard (try? await clock.sleep(for: timeout)) != nil else { return }
            await self?.giveUpWaiting(for: name, id: id)
        }
        defer { deadline.cancel() }
        return await withCheckedContinuation { beatWaiters[name, default: []].append((id, $0)) }
    }

    private func giveUpWaiting(for name: String, id: Int) {
        guard let index = beatWaiters[name]?.firstIndex(where: { $0.id == id }),
            let waiter = beatWaiters[name]?.remove(at: index)
        else { return }
        waiter.continuation.resume(returning: false)
    }

    /// Wedges the work loop of `name` until it is restarted (a drill's fault: a hang, as the silence watch and the
    /// root then see it); false for an unknown component or one without such a loop.
    public func hang(_ name: String) async -> Bool {
        guard let hang = children[name]?.hang else { return false }
        return await hang()
    }

    /// Why the root cannot restart `name` in-process (unknown, or holding the kernels); nil when it can.
    public func refusal(for name: String) -> String? {
        guard let child = children[name] else {
            return name == AgentLiaison.componentName && restartAgentProcess != nil
                ? nil : "no component `\(name)` runs in this Grace"
        }
        return child.restartable
            ? nil : "`\(name)` holds the kernels; only re-executing Grace (grace reexec) restarts it"
    }

    /// Whether the root gave `name` up (escalated to the operator).
    public func hasGivenUp(_ name: String) -> Bool { children[name]?.gaveUp ?? false }

    /// The run number of `name` (1 for the first run); nil for an unknown component.
    public func incarnation(of name: String) -> Int? { children[name]?.incarnation }

    // MARK: - Restarts

    /// Restarts `name` (for `agent`, its process too) and returns once its new run began. Unless `force` (an
    /// operator), a component whose run began less than three of its heartbeat intervals ago is left alone (a
    /// playbook asking after the root already acted, or a run retried after its own healer was rebuilt). The
    /// restart counts against the component's limit; past it, the root escalates instead.
    public func restart(_ name: String, reason: String, by: String, force: Bool = false) async -> RestartResult {
        if let refusal = refusal(for: name) { return .refused(refusal) }
        guard let child = children[name] else {
            // The agent's process without a liaison (its queue could not be opened): the process alone.
            await restartAgentProcess?(reason, by)
            return .restarted(incarnation: 1, took: .zero)
        }
        if !force && child.gaveUp {
            return .refused("Grace's root gave `\(name)` up; only an operator restarts it now")
        }
        let age = clock.elapsedTime - child.startedAt
        if !force && age < child.interval * ComponentSilence.intervals { return .recent(age: age) }
        if force {
            // An operator's restart: a component given up on runs again, its count afresh.
            children[name]?.gaveUp = false
            children[name]?.restarts = []
        }
        guard force || count(name) else {
            let result = await escalate(from: name, reason: reason)
            // Rebuilt with the rest: this one is restarted too (last).
            if result == .escalated(to: "rebuild") { _ = await order(name, reason: reason, by: by) }
            return result
        }
        return await order(name, reason: reason, by: by)
    }

    /// Counts a restart of `name` now; false when it is one too many within the component window.
    private func count(_ name: String) -> Bool {
        guard var child = children[name] else { return false }
        let now = clock.elapsedTime
        child.restarts = child.restarts.filter { now - $0 < limits.component.within } + [now]
        children[name] = child
        return child.restarts.count <= limits.component.max
    }

    /// Sends the restart order and waits for the new run (and, for the agent, restarts its process meanwhile).
    private func order(_ name: String, reason: String, by: String) async -> RestartResult {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<RestartResult, Never>) in
            guard children[name] != nil else {
                continuation.resume(returning: .refused("no component `\(name)`"))
                return
            }
            children[name]?.waiters.append(continuation)
            children[name]?.mailbox.yield(.restart(reason: reason, by: by))
        }
        if name == AgentLiaison.componentName, let restartAgentProcess { await restartAgentProcess(reason, by) }
        return result
    }

    /// One level up from a broken limit of `name`: rebuild every component; past the rebuild limit, re-execute;
    /// past that (or without a way to), the operator.
    private func escalate(from name: String, reason: String) async -> RestartResult {
        let now = clock.elapsedTime
        let within = children[name]?.restarts.first.map { now - $0 } ?? .zero
        let restarts = children[name]?.restarts.count ?? 0
        rebuilds = rebuilds.filter { now - $0 < limits.rebuild.within }
        if children[name]?.restartable == true, rebuilds.count < limits.rebuild.max {
            rebuilds.append(now)
            journal.append(.componentEscalated(component: name, restarts: restarts, within: within, to: "rebuild"))
            await rebuildAll(reason: "\(name) broke its limit (\(reason))", except: name)
            return .escalated(to: "rebuild")
        }
        if let reexec {
            journal.append(.componentEscalated(component: name, restarts: restarts, within: within, to: "reexec"))
            if await reexec("\(name): \(reason)") { return .escalated(to: "reexec") }
        }
        journal.append(.componentEscalated(component: name, restarts: restarts, within: within, to: "operator"))
        children[name]?.gaveUp = true
        registry.setState(
            name, .failed,
            detail: "the root gave up after \(restarts) restarts (\(reason)); restart it by hand: "
                + "grace components restart \(name)")
        logger.critical("component \(name): supervision limits exhausted; the operator must act (\(reason))")
        return .escalated(to: "operator")
    }

    /// Restarts every restartable component, in start order, each once its predecessor runs again; their restart
    /// counts start afresh, as a restarted OTP supervisor's children's do. `except` (the one that broke its limit)
    /// is left to its caller, which may be that component's own service, waiting on the root right now.
    private func rebuildAll(reason: String, except: String) async {
        children[except]?.restarts = []
        for name in order where name != except {
            guard let child = children[name], child.restartable, !child.gaveUp else { continue }
            children[name]?.restarts = []
            _ = await order(name, reason: "rebuild: \(reason)", by: "root")
        }
    }

    // MARK: - Silence

    /// What the silence watch journaled this tick: the root restarts a silent child, escalates a silent supervisor
    /// and breaks a healer-agent deadlock.
    public func observe(_ events: [JournalEvent]) async {
        for case .componentSilent(let name, _, let silent) in events {
            await silence(of: name, for: silent)
        }
    }

    private func silence(of name: String, for quiet: Duration) async {
        let healer = "healer"
        let agent = AgentLiaison.componentName
        if name == healer || name == agent {
            let other = name == healer ? agent : healer
            // Silent, and not restarted since it fell silent (a restarted one whose first beat the watch has not
            // seen yet is not half of a deadlock).
            if let status = registry.status(of: other), let since = status.silentSince,
                (status.lastRestart.map { $0 < since } ?? true)
            {
                await breakDeadlock()
                return
            }
            // The agent's process is the healer's to repair (`restart_component: agent`), not the root's.
            if name == agent { return }
        }
        guard let child = children[name], !child.gaveUp else { return }
        let reason = "silent for \(DurationParser.format(quiet))"
        guard child.restartable else {
            _ = await escalate(from: name, reason: reason)
            return
        }
        _ = await restart(name, reason: reason, by: "root")
    }

    /// Healer and agent silent together: neither can repair the other. The healer first (it runs every other
    /// repair), then, once it beats again and after a jittered pause, the agent (its process and its liaison).
    private func breakDeadlock() async {
        guard !deadlockInProgress else { return }
        deadlockInProgress = true
        defer { deadlockInProgress = false }
        let healer = "healer"
        let agent = AgentLiaison.componentName
        journal.append(.componentDeadlock(members: [agent, healer]))
        _ = await restart(healer, reason: "deadlock with the agent", by: "root")
        let interval = children[healer]?.interval ?? .seconds(2)
        _ = await firstBeat(of: healer, within: interval * ComponentSilence.intervals)
        // Jitter: a quarter of the healer's interval at most, so that two roots never move in lockstep.
        let jitter = Duration.milliseconds(Int64.random(in: 50...max(51, (interval / 4).milliseconds), using: &random))
        try? await clock.sleep(for: jitter)
        // The rebuilt healer may have restarted the agent itself by now (its own `restart_component: agent`): then
        // this finds it recent and leaves it alone.
        _ = await restart(agent, reason: "deadlock: after the healer", by: "root")
    }
}
