import GraceDSL

/// The life of one supervised kernel as a pure state machine: inputs in, actions out, no I/O and no clock of
/// its own (times are passed in as durations since an arbitrary origin), so every policy — backoff with
/// jitter, reset after a stable run, the restart intensity limit, stop escalation — is tested exhaustively
/// without processes or sleeping. `KernelSupervisor` performs the actions.
public struct KernelLifecycle: Sendable {
    public enum State: Sendable, Equatable {
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

        public var name: String {
            switch self {
            case .stopped: "stopped"
            case .starting: "starting"
            case .running: "running"
            case .backingOff: "backing-off"
            case .stopping: "stopping"
            case .gaveUp: "gave-up"
            }
        }

        public var pid: Int32? {
            switch self {
            case .starting(let pid, _), .running(let pid, _), .stopping(let pid, _): pid
            default: nil
            }
        }
    }

    /// What the owner must do, in order.
    public enum Action: Sendable, Equatable {
        case spawn
        /// Record an event (before anything it describes is acted on).
        case journal(kind: String, fields: [String: String])
        /// Call `timerFired` at this time (replaces any earlier timer).
        case scheduleTimer(at: Duration)
        case signalGroup(pid: Int32, signal: Int32)
        /// The intensity limit was breached: an event for escalation.
        case escalate(reason: String)
    }

    public struct Policy: Sendable, Equatable {
        public var mode: Kernel.RestartMode
        public var initialBackoff: Duration
        public var maxBackoff: Duration
        public var factor: Double
        public var jitter: Double  // 0...1
        public var intensityMax: Int
        public var intensityWithin: Duration
        public var stableAfter: Duration
        public var stopSignal: Int32
        public var stopGrace: Duration
        public var waitsForReadiness: Bool

        public init(kernel: Kernel) {
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
        }
    }

    public private(set) var state: State = .stopped
    public let policy: Policy
    /// Consecutive quick failures; 0 after a run longer than `stableAfter`.
    public private(set) var attempt = 0
    /// Start times of recent restarts, for the intensity limit.
    public private(set) var recentRestarts: [Duration] = []
    public private(set) var totalRestarts = 0
    /// Whether a stop was requested (so an exit is not a failure).
    private var stopRequested = false
    /// Source of jitter in 0..<1; injected so tests are deterministic.
    private var random: @Sendable () -> Double

    public init(policy: Policy, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.policy = policy
        self.random = random
    }

    /// The delay before restart number `attempt` (1-based): none for the first failure after a stable run,
    /// then `initial * factor^(attempt-2)` up to `max`, spread by ±jitter so a fleet of kernels does not
    /// restart in lockstep.
    public func backoff(forAttempt attempt: Int) -> Duration {
        guard attempt > 1 else { return .zero }
        let base = Double(policy.initialBackoff.milliseconds) * pow(policy.factor, Double(attempt - 2))
        let capped = min(base, Double(policy.maxBackoff.milliseconds))
        let spread = capped * policy.jitter * (2 * random() - 1)
        return .milliseconds(Int64(max(0, (capped + spread).rounded())))
    }

    public mutating func start(now: Duration) -> [Action] {
        switch state {
        case .stopped, .gaveUp, .backingOff:
            stopRequested = false
            return [.spawn]
        default:
            return []
        }
    }

    public mutating func spawned(pid: Int32, now: Duration) -> [Action] {
        state = policy.waitsForReadiness ? .starting(pid: pid, since: now) : .running(pid: pid, since: now)
        var actions: [Action] = [.journal(kind: "kernel.started", fields: ["pid": String(pid)])]
        if !policy.waitsForReadiness { actions.append(.journal(kind: "kernel.ready", fields: ["pid": String(pid)])) }
        return actions
    }

    public mutating func ready(now: Duration) -> [Action] {
        guard case .starting(let pid, let since) = state else { return [] }
        state = .running(pid: pid, since: since)
        return [.journal(kind: "kernel.ready", fields: ["pid": String(pid)])]
    }

    public mutating func spawnFailed(_ reason: String, now: Duration) -> [Action] {
        [.journal(kind: "kernel.spawn_failed", fields: ["reason": reason])] + failed(now: now, ranFor: .zero)
    }

    public mutating func exited(_ status: ExitStatus, now: Duration) -> [Action] {
        var fields = status.fields
        switch state {
        case .stopping(let pid, _):
            fields["pid"] = String(pid)
            state = .stopped
            return [.journal(kind: "kernel.stopped", fields: fields)]
        case .starting(let pid, let since), .running(let pid, let since):
            fields["pid"] = String(pid)
            let ranFor = now - since
            fields["ran_ms"] = String(ranFor.milliseconds)
            var actions: [Action] = [.journal(kind: "kernel.exited", fields: fields)]
            if stopRequested {
                state = .stopped
                return actions
            }
            switch policy.mode {
            case .never:
                state = .stopped
                return actions
            case .onFailure where status.isSuccess:
                state = .stopped
                return actions
            default:
                actions += failed(now: now, ranFor: ranFor)
                return actions
            }
        default:
            return []
        }
    }

    /// A failure that calls for a restart: apply the intensity limit, then back off.
    private mutating func failed(now: Duration, ranFor: Duration) -> [Action] {
        if ranFor >= policy.stableAfter { attempt = 0 }
        attempt += 1
        recentRestarts = recentRestarts.filter { now - $0 < policy.intensityWithin }
        if recentRestarts.count >= policy.intensityMax {
            let reason =
                "more than \(policy.intensityMax) restarts within \(DurationParser.format(policy.intensityWithin))"
            state = .gaveUp(reason: reason)
            return [.journal(kind: "kernel.gave_up", fields: ["reason": reason]), .escalate(reason: reason)]
        }
        recentRestarts.append(now)
        totalRestarts += 1
        let delay = backoff(forAttempt: attempt)
        let fields = ["attempt": String(attempt), "delay_ms": String(delay.milliseconds)]
        if delay == .zero {
            state = .backingOff(until: now, attempt: attempt)
            return [.journal(kind: "kernel.restarting", fields: fields), .spawn]
        }
        state = .backingOff(until: now + delay, attempt: attempt)
        return [.journal(kind: "kernel.restarting", fields: fields), .scheduleTimer(at: now + delay)]
    }

    public mutating func timerFired(now: Duration) -> [Action] {
        switch state {
        case .backingOff(let until, _) where now >= until:
            return [.spawn]
        case .stopping(let pid, let killAt) where now >= killAt:
            return [
                .journal(kind: "kernel.kill", fields: ["pid": String(pid), "reason": "stop grace period over"]),
                .signalGroup(pid: pid, signal: 9),
            ]
        default:
            return []
        }
    }

    /// Stop: the stop signal to the whole group, SIGKILL after the grace period.
    public mutating func stop(now: Duration, reason: String = "requested") -> [Action] {
        stopRequested = true
        switch state {
        case .starting(let pid, _), .running(let pid, _):
            let killAt = now + policy.stopGrace
            state = .stopping(pid: pid, killAt: killAt)
            return [
                .journal(kind: "kernel.stopping", fields: ["pid": String(pid), "reason": reason]),
                .signalGroup(pid: pid, signal: policy.stopSignal), .scheduleTimer(at: killAt),
            ]
        case .backingOff, .gaveUp:
            state = .stopped
            return [.journal(kind: "kernel.stopped", fields: ["reason": reason])]
        default:
            return []
        }
    }

    /// The kernel must go now and come back by policy (a missed watchdog): SIGKILL to the group; the exit
    /// that follows counts as a failure.
    public mutating func kill(now: Duration, reason: String) -> [Action] {
        switch state {
        case .starting(let pid, _), .running(let pid, _):
            return [
                .journal(kind: "kernel.kill", fields: ["pid": String(pid), "reason": reason]),
                .signalGroup(pid: pid, signal: 9),
            ]
        default:
            return []
        }
    }
}

import Foundation
