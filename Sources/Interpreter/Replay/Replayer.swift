import Foundation
import GraceDSL

/// What a trigger engine saw at one moment of the recorded history: the events of one journal entry or one history
/// record, or a point where the live engine was made anew.
public struct ReplayInput: Sendable {
    /// A point where the live system began a new trigger engine.
    public enum Marker: Sendable, Hashable {
        /// Grace started (or re-executed itself): every window, cooldown and rate limit began empty.
        case graceStarted
        /// The configuration was reloaded: windows began empty, cooldowns and the rate limit carried over.
        case reloaded
        /// Grace stopped: nothing is evaluated until it starts again.
        case graceStopped
    }

    /// When the live engine saw it.
    public var time: Date
    /// The events, in the order the live engine was given them.
    public var events: [Event]
    /// Set when this point began a new engine (before its events, if any).
    public var marker: Marker?
    /// The graph a start or a reload put in place: the first 16 hex digits of its content hash, as journaled.
    public var graph: String?

    /// Makes an input.
    public init(time: Date, events: [Event], marker: Marker? = nil, graph: String? = nil) {
        self.time = time
        self.events = events
        self.marker = marker
        self.graph = graph
    }
}

/// One decision of a trigger engine, live (from the journal's `trigger.fired` and `trigger.suppressed`) or
/// replayed.
public struct ReplayDecision: Sendable, Hashable, Codable {
    /// When it was decided.
    public var time: Date
    /// The trigger that fired.
    public var trigger: String
    /// The kernel of the firing, if any.
    public var kernel: String?
    /// The playbook it ran; nil when the firing was suppressed.
    public var playbook: String?
    /// Why it did not run (`cooldown`, `coalesced`, `rate-limited`, ...); nil when it ran.
    public var reason: String?
    /// The run's arguments (replayed decisions only).
    public var arguments: [String: String]
    /// What the condition saw (fields and evidence).
    public var evidence: [String: String]

    /// Makes a decision record.
    public init(
        time: Date, trigger: String, kernel: String?, playbook: String?, reason: String?,
        arguments: [String: String] = [:], evidence: [String: String] = [:]
    ) {
        self.time = time
        self.trigger = trigger
        self.kernel = kernel
        self.playbook = playbook
        self.reason = reason
        self.arguments = arguments
        self.evidence = evidence
    }

    /// Whether the firing started a run.
    public var runs: Bool { playbook != nil }
}

/// Re-evaluates a configuration's triggers over recorded history on a simulated clock: the same trigger engine the
/// runtime uses, fed the recorded events at their recorded moments, with every deadline (held thresholds, silences,
/// schedules) ticked exactly when it falls. Nothing is executed: a decision to run a playbook is only reported.
/// Pure and deterministic: the same inputs give the same decisions.
public struct Replayer: Sendable {
    /// A configuration to replay: its graph and the triggers not evaluated (conditions the runtime cannot observe on
    /// this machine).
    public struct Configuration: Sendable {
        /// The compiled configuration.
        public var graph: ExecutionGraph
        /// Triggers left out.
        public var disabled: Set<String>

        /// Makes one.
        public init(graph: ExecutionGraph, disabled: Set<String> = []) {
            self.graph = graph
            self.disabled = disabled
        }
    }

    /// The configuration replayed.
    public let graph: ExecutionGraph
    /// Triggers not evaluated (conditions the runtime cannot observe on this machine).
    public let disabled: Set<String>
    /// Other configurations, by the first 16 hex digits of their content hash: a start or a reload that names one
    /// switches to it, so that each stretch of history is replayed with the configuration that ran then.
    public var others: [String: Configuration] = [:]
    /// The hash of the configuration in place at the first input, when it is one of `others`.
    public var initial: String?

    /// A replayer of `graph`'s triggers.
    public init(graph: ExecutionGraph, disabled: Set<String> = []) {
        self.graph = graph
        self.disabled = disabled
    }

    /// The decisions the engine takes over `inputs` (in time order), reported between `from` and `to`. Inputs before
    /// `from` warm the engine up (windows, cooldowns) without being reported. `runningSince` is when the Grace that
    /// was running at the first input started (its schedules count from then); nil when none was running, so that
    /// nothing is evaluated before the first `graceStarted`.
    public func decisions(
        over inputs: some Sequence<ReplayInput>, from: Date, to: Date, runningSince: Date? = nil
    ) -> [ReplayDecision] {
        // Read one at a time (a day of history need not be in memory at once); the first sets the clock's origin.
        var iterator = inputs.makeIterator()
        var first = iterator.next()
        let origin = min(runningSince ?? first?.time ?? from, first?.time ?? from, from)
        func offset(_ date: Date) -> Duration {
            .milliseconds(Int64((date.timeIntervalSince(origin) * 1000).rounded()))
        }
        func date(_ offset: Duration) -> Date {
            origin.addingTimeInterval(Double(offset.milliseconds) / 1000)
        }
        let base = Configuration(graph: graph, disabled: disabled)
        var configuration = initial.flatMap { others[$0] } ?? base
        func engine(at now: Duration) -> TriggerEngine {
            TriggerEngine(
                graph: configuration.graph, context: .init(graph: configuration.graph, wallClockOrigin: origin),
                now: now, disabled: configuration.disabled)
        }
        var current = engine(at: .zero)
        /// Whether a Grace is running, evaluating triggers.
        var active = runningSince != nil
        var running: [String: Int32] = [:]
        var out: [ReplayDecision] = []
        let end = offset(to)
        let start = offset(from)
        func keep(_ decisions: [TriggerEngine.Decision], at now: Duration) {
            guard now >= start, now <= end else { return }
            for decision in decisions {
                let firing = decision.firing
                switch decision {
                case .run(_, let playbook, let arguments):
                    out.append(
                        ReplayDecision(
                            time: date(now), trigger: firing.trigger, kernel: firing.fields["kernel"],
                            playbook: playbook, reason: nil, arguments: arguments, evidence: firing.journaled))
                case .suppressed(_, let reason):
                    out.append(
                        ReplayDecision(
                            time: date(now), trigger: firing.trigger, kernel: firing.fields["kernel"], playbook: nil,
                            reason: reason, evidence: firing.journaled))
                }
            }
        }
        /// The earliest deadline known: a full scan of every trigger after a tick or a new engine, and after an
        /// event only the triggers it touched (as the healer keeps its timer). An early one that went away meanwhile
        /// costs a tick that decides nothing.
        var pending = current.nextDeadline()
        /// Every deadline up to `now`, each at its own moment; bounded so that a deadline that does not move on
        /// cannot loop.
        func tick(until now: Duration) {
            guard active else { return }
            var guardCount = 0
            while let deadline = pending, deadline <= now, guardCount < 100_000 {
                keep(current.tick(now: deadline), at: deadline)
                pending = current.nextDeadline()
                guardCount += 1
            }
        }
        while let input = first ?? iterator.next() {
            first = nil
            let now = offset(input.time)
            guard now <= end else { break }
            tick(until: now)
            if let hash = input.graph, !others.isEmpty { configuration = others[hash] ?? base }
            switch input.marker {
            case .graceStarted:
                current = engine(at: now)
                running = [:]
                active = true
                pending = current.nextDeadline()
            case .graceStopped:
                active = false
            case .reloaded:
                var next = engine(at: now)
                next.inheritLimits(from: current)
                for (kernel, pid) in running.sorted(by: { $0.key < $1.key }) {
                    _ = next.observe(.kernelStarted(kernel: kernel, pid: pid), now: now)
                }
                current = next
                pending = current.nextDeadline()
            case nil:
                break
            }
            guard active else { continue }
            for event in input.events {
                switch event {
                case .kernelStarted(let kernel, let pid): running[kernel] = pid
                case .kernelExited(let kernel, _, _, _): running[kernel] = nil
                default: break
                }
                keep(current.observe(event, now: now), at: now)
                if let touched = current.touchedDeadline, touched < (pending ?? .seconds(Int64.max / 2)) {
                    pending = touched
                }
            }
        }
        tick(until: end)
        return out
    }
}
