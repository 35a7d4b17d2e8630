import Foundation
import GraceDSL
import Interpreter

/// The life of one supervised kernel as a pure state machine: inputs in, a typed result per input out, no I/O and
/// no clock of its own (times are durations since an arbitrary origin), so every policy — backoff with jitter,
/// reset after a stable run, the restart intensity limit, stop escalation — is tested exhaustively without
/// processes or sleeping. The `Supervisor` performs what the results say: it journals their events first, then
/// spawns, signals or sets the timer.
struct KernelLifecycle: Sendable {
    enum State: Sendable, Equatable {
        /// Not running and not meant to run (initial, stopped on request, or ended under its policy).
        case stopped
        /// Running, not yet ready (waiting for READY=1 or the first healthy probe).
        case starting(pid: Int32, since: Duration)
        case running(pid: Int32, since: Duration)
        /// Waiting out the backoff before the next start.
        case backingOff(until: Duration, attempt: Int)
        /// Asked to stop; `killAt` is when SIGKILL follows.
        case stopping(pid: Int32, killAt: Duration)
        /// Restarted too often (the intensity limit): Grace stopped trying; escalation is someone else's job.
        case gaveUp(reason: String)

        var phase: KernelPhase {
            switch self {
            case .stopped: .stopped
            case .starting: .starting
            case .running: .running
            case .backingOff: .backingOff
            case .stopping: .stopping
            case .gaveUp: .gaveUp
            }
        }

        var pid: Int32? {
            switch self {
            case .starting(let pid, _), .running(let pid, _), .stopping(let pid, _): pid
            default: nil
            }
        }
    }

    struct Policy: Sendable, Equatable {
        /// The kernel's name, which its events carry.
        var kernel: String
        var mode: Kernel.RestartMode
        var initialBackoff: Duration
        var maxBackoff: Duration
        var factor: Double
        var jitter: Double  // 0...1
        var intensityMax: Int
        var intensityWithin: Duration
        var stableAfter: Duration
        var stopSignal: Int32
        var stopGrace: Duration
        var waitsForReadiness: Bool
        /// How long a start may take to get ready (`start_timeout`), for kernels that wait for readiness.
        var startTimeout: Duration

        init(kernel: Kernel) {
            self.kernel = kernel.header.name.value
            let r = kernel.restart
            mode = r.mode
            initialBackoff = r.backoff.initial
            maxBackoff = r.backoff.max
            factor = r.backoff.factor
            jitter = r.backoff.jitter.value / 100
            intensityMax = r.intensity.max
            intensityWithin = r.intensity.within
            stableAfter = r.stableAfter
            stopSignal = kernel.stop.signal.number
            stopGrace = kernel.stop.grace
            waitsForReadiness = kernel.ready != .started
            startTimeout = kernel.startTimeout
        }
    }

    // MARK: - Results, one type per input

    /// `start`: spawn, or nothing because a process exists already (or is on its way out).
    enum StartResult: Sendable, Equatable {
        case spawn
        case ignored
    }

    /// `spawned`: the events to journal; `isReady` when the kernel counts as ready from its start (`ready: started`).
    struct SpawnedResult: Sendable, Equatable {
        var events: [JournalEvent]
        var isReady: Bool
    }

    /// `ready`: the kernel became ready (journal the event, wake those waiting), or nothing changed.
    enum ReadyResult: Sendable, Equatable {
        case ready(JournalEvent)
        case ignored
    }

    /// What follows a failure, after its events are journaled.
    enum Restart: Sendable, Equatable {
        /// No restart: stopped as asked, or the policy does not restart this exit.
        case none
        /// Spawn again at once (the first failure after a stable run).
        case now(attempt: Int)
        /// Spawn again when the timer fires at `at` (`delay` after the failure).
        case after(delay: Duration, at: Duration, attempt: Int)
        /// The intensity limit was breached: no more restarts; escalation's turn.
        case gaveUp(reason: String)
    }

    /// `exited` and `spawnFailed`: the events to journal (in one transaction), then what to do. No events: the
    /// input did not concern the current process and changed nothing.
    struct FailureResult: Sendable, Equatable {
        var events: [JournalEvent]
        var restart: Restart
    }

    /// `timerFired`: the backoff is over (spawn), the stop grace period is over (journal, SIGKILL the group), or the
    /// timer is stale.
    enum TimerResult: Sendable, Equatable {
        case spawn
        case kill(JournalEvent, pid: Int32)
        case ignored
    }

    /// `stop`: signal the group and set the timer for the SIGKILL; or the kernel had no process and is simply
    /// stopped now; or there is nothing to stop.
    enum StopResult: Sendable, Equatable {
        case signal(JournalEvent, pid: Int32, signal: Int32, killAt: Duration)
        case stopped(JournalEvent)
        case ignored
    }

    /// `kill` and `startTimerFired`: SIGKILL to the group now, after journaling the events (the exit that follows
    /// counts as a failure), or nothing to kill.
    enum KillResult: Sendable, Equatable {
        case kill([JournalEvent], pid: Int32)
        case ignored
    }

    // MARK: - State

    private(set) var state: State = .stopped
    let policy: Policy
    /// Consecutive quick failures; 0 after a run longer than `stableAfter`.
    private(set) var attempt = 0
    /// Start times of recent restarts, for the intensity limit.
    private(set) var recentRestarts: [Duration] = []
    private(set) var totalRestarts = 0
    /// Whether a stop was requested (so an exit is not a failure).
    private var stopRequested = false
    /// Source of jitter in 0..<1; injected so tests are deterministic.
    private var random: @Sendable () -> Double

    init(policy: Policy, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.policy = policy
        self.random = random
    }

    private var kernel: String { policy.kernel }

    /// The delay before restart number `attempt` (1-based): none for the first failure after a stable run,
    /// then `initial * factor^(attempt-2)` up to `max`, spread by ±jitter so a fleet of kernels does not
    /// restart in lockstep.
    func backoff(forAttempt attempt: Int) -> Duration {
        guard attempt > 1 else { return .zero }
        let base = Double(policy.initialBackoff.milliseconds) * pow(policy.factor, Double(attempt - 2))
        let capped = min(base, Double(policy.maxBackoff.milliseconds))
        let spread = capped * policy.jitter * (2 * random() - 1)
        return .milliseconds(Int64(max(0, (capped + spread).rounded())))
    }

    // MARK: - Inputs

    mutating func start(now: Duration) -> StartResult {
        switch state {
        case .stopped, .gaveUp, .backingOff:
            stopRequested = false
            return .spawn
        default:
            return .ignored
        }
    }

    mutating func spawned(pid: Int32, now: Duration) -> SpawnedResult {
        state = policy.waitsForReadiness ? .starting(pid: pid, since: now) : .running(pid: pid, since: now)
        var events: [JournalEvent] = [.kernelStarted(kernel: kernel, pid: pid)]
        if !policy.waitsForReadiness { events.append(.kernelReady(kernel: kernel, pid: pid)) }
        return SpawnedResult(events: events, isReady: !policy.waitsForReadiness)
    }

    /// A process this Grace's previous image spawned and handed over (`grace reexec`): it runs since `since` (on
    /// this image's clock), ready or still starting, after `restarts` restarts. Nothing to journal: the spawn was.
    mutating func adopted(pid: Int32, since: Duration, ready: Bool, restarts: Int) {
        state =
            ready || !policy.waitsForReadiness ? .running(pid: pid, since: since) : .starting(pid: pid, since: since)
        totalRestarts = restarts
        stopRequested = false
    }

    mutating func ready(now: Duration) -> ReadyResult {
        guard case .starting(let pid, let since) = state else { return .ignored }
        state = .running(pid: pid, since: since)
        return .ready(.kernelReady(kernel: kernel, pid: pid))
    }

    mutating func spawnFailed(_ reason: String, now: Duration) -> FailureResult {
        var result = failed(now: now, ranFor: .zero)
        result.events.insert(.kernelSpawnFailed(kernel: kernel, reason: reason), at: 0)
        return result
    }

    mutating func exited(_ status: ExitStatus, now: Duration) -> FailureResult {
        switch state {
        case .stopping(let pid, _):
            state = .stopped
            return FailureResult(
                events: [.kernelStopped(kernel: kernel, pid: pid, status: status, reason: nil)], restart: .none)
        case .starting(let pid, let since), .running(let pid, let since):
            let ranFor = now - since
            let exited = JournalEvent.kernelExited(kernel: kernel, pid: pid, status: status, ran: ranFor)
            if stopRequested || policy.mode == .never || (policy.mode == .onFailure && status.isSuccess) {
                state = .stopped
                return FailureResult(events: [exited], restart: .none)
            }
            var result = failed(now: now, ranFor: ranFor)
            result.events.insert(exited, at: 0)
            return result
        default:
            return FailureResult(events: [], restart: .none)
        }
    }

    /// A failure that calls for a restart: apply the intensity limit, then back off.
    private mutating func failed(now: Duration, ranFor: Duration) -> FailureResult {
        if ranFor >= policy.stableAfter { attempt = 0 }
        attempt += 1
        recentRestarts = recentRestarts.filter { now - $0 < policy.intensityWithin }
        if recentRestarts.count >= policy.intensityMax {
            let reason =
                "more than \(policy.intensityMax) restarts within \(DurationParser.format(policy.intensityWithin))"
            state = .gaveUp(reason: reason)
            return FailureResult(
                events: [.kernelGaveUp(kernel: kernel, reason: reason)], restart: .gaveUp(reason: reason))
        }
        recentRestarts.append(now)
        totalRestarts += 1
        let delay = backoff(forAttempt: attempt)
        let restarting = JournalEvent.kernelRestarting(kernel: kernel, attempt: attempt, delay: delay)
        state = .backingOff(until: now + delay, attempt: attempt)
        if delay == .zero { return FailureResult(events: [restarting], restart: .now(attempt: attempt)) }
        return FailureResult(
            events: [restarting], restart: .after(delay: delay, at: now + delay, attempt: attempt))
    }

    mutating func timerFired(now: Duration) -> TimerResult {
        switch state {
        case .backingOff(let until, _) where now >= until:
            return .spawn
        case .stopping(let pid, let killAt) where now >= killAt:
            return .kill(.kernelKill(kernel: kernel, pid: pid, reason: "stop grace period over"), pid: pid)
        default:
            return .ignored
        }
    }

    /// Stop: the stop signal to the whole group, SIGKILL after the grace period.
    /// `signal` and `grace` override the kernel's `stop:` settings for this stop (a playbook step's).
    mutating func stop(
        now: Duration, reason: String = "requested", signal: Int32? = nil, grace: Duration? = nil
    ) -> StopResult {
        stopRequested = true
        switch state {
        case .starting(let pid, _), .running(let pid, _):
            let killAt = now + (grace ?? policy.stopGrace)
            state = .stopping(pid: pid, killAt: killAt)
            return .signal(
                .kernelStopping(kernel: kernel, pid: pid, reason: reason), pid: pid,
                signal: signal ?? policy.stopSignal, killAt: killAt)
        case .backingOff, .gaveUp:
            state = .stopped
            return .stopped(.kernelStopped(kernel: kernel, pid: nil, status: nil, reason: reason))
        default:
            return .ignored
        }
    }

    /// The kernel must go now and come back by policy (a missed watchdog): SIGKILL to the group; the exit
    /// that follows counts as a failure.
    mutating func kill(now: Duration, reason: String) -> KillResult {
        switch state {
        case .starting(let pid, _), .running(let pid, _):
            return .kill([.kernelKill(kernel: kernel, pid: pid, reason: reason)], pid: pid)
        default:
            return .ignored
        }
    }

    /// The start timer (set at the spawn, `startTimeout` later): a kernel still not ready failed to start; it is
    /// killed, and its exit counts as a failure. A kernel that got ready, or whose process already went, is left be.
    mutating func startTimerFired(now: Duration) -> KillResult {
        guard case .starting(let pid, let since) = state, now - since >= policy.startTimeout else { return .ignored }
        let after = policy.startTimeout
        return .kill(
            [
                .kernelStartTimeout(kernel: kernel, pid: pid, after: after),
                .kernelKill(kernel: kernel, pid: pid, reason: "not ready within \(DurationParser.format(after))"),
            ], pid: pid)
    }
}

/// Where a kernel is in its life, as `grace kernels`, the API and the dashboard show it.
public enum KernelPhase: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not running and not to be started: before the first start, after a stop, or when its policy does not restart.
    case stopped
    /// A process runs but is not ready yet.
    case starting
    /// Ready: its process runs (health is reported apart, in `KernelStatus.healthy`).
    case running
    /// No process: waiting out the backoff before a restart.
    case backingOff = "backing-off"
    /// Its stop signal was sent; SIGKILL follows when the grace period runs out.
    case stopping
    /// Restarted too often: no more restarts until it is started by hand or by a playbook.
    case gaveUp = "gave-up"
}
