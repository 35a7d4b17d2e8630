import Foundation

/// An incident as a causal chain, `GET /v1/explain/...`: observations, the decision and why, the runs step by step,
/// the verification and what was learned. Offsets are milliseconds after `origin`.
public struct IncidentView: Codable, Sendable, Equatable {
    /// A journal entry in the chain: an observation, a later check or a learning.
    public struct Moment: Codable, Sendable, Equatable {
        /// The entry's journal id (`GET /v1/explain/events/{id}` explains it).
        public var id: Int64
        /// When it was journaled.
        public var time: Date
        /// Milliseconds after the incident's `origin`.
        public var offsetMS: Double
        /// Its kind (`kernel.exited`).
        public var kind: String
        /// The kernel it is about, if any.
        public var kernel: String?
        /// What it says, in words.
        public var summary: String
        /// Its fields as stored.
        public var fields: [String: String]

        /// Makes it from its parts; the server fills it from an incident chain.
        public init(
            id: Int64, time: Date, offsetMS: Double, kind: String, kernel: String?, summary: String,
            fields: [String: String]
        ) {
            self.id = id
            self.time = time
            self.offsetMS = offsetMS
            self.kind = kind
            self.kernel = kernel
            self.summary = summary
            self.fields = fields
        }

        enum CodingKeys: String, CodingKey {
            case id, time, kind, kernel, summary, fields
            case offsetMS = "offset_ms"
        }

        /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(time, forKey: .time)
            try c.encode(offsetMS, forKey: .offsetMS)
            try c.encode(kind, forKey: .kind)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(summary, forKey: .summary)
            try c.encode(fields, forKey: .fields)
        }
    }

    /// One metric sample the condition looked at.
    public struct Sample: Codable, Sendable, Equatable {
        /// When it was taken.
        public var time: Date
        /// Milliseconds after the incident's `origin`.
        public var offsetMS: Double
        /// The metric (`memory_rss`).
        public var metric: String
        /// Its value.
        public var value: Double

        /// Makes it from its parts; the server fills it from an incident chain.
        public init(time: Date, offsetMS: Double, metric: String, value: Double) {
            self.time = time
            self.offsetMS = offsetMS
            self.metric = metric
            self.value = value
        }

        enum CodingKeys: String, CodingKey {
            case time, metric, value
            case offsetMS = "offset_ms"
        }

        /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(time, forKey: .time)
            try c.encode(offsetMS, forKey: .offsetMS)
            try c.encode(metric, forKey: .metric)
            try c.encode(value, forKey: .value)
        }
    }

    /// One value of what a trigger's condition saw (the firing's `event.*` fields).
    public struct Evidence: Codable, Sendable, Equatable {
        /// The key as stored (`value`, `threshold`, `cooldown_left_ms`).
        public var key: String
        /// What it is, in words.
        public var label: String
        /// The value as stored.
        public var value: String
        /// The value for people (`*_ms` keys as durations).
        public var text: String

        /// Makes it from its parts; the server fills it from an incident chain.
        public init(key: String, label: String, value: String, text: String) {
            self.key = key
            self.label = label
            self.value = value
            self.text = text
        }

        enum CodingKeys: String, CodingKey {
            case key, label, value, text
        }

        /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(key, forKey: .key)
            try c.encode(label, forKey: .label)
            try c.encode(value, forKey: .value)
            try c.encode(text, forKey: .text)
        }
    }

    /// What a trigger decided, or that the run was started by hand.
    public struct Decision: Codable, Sendable, Equatable {
        /// The `trigger.fired` or `trigger.suppressed` entry; null for a manual run.
        public var event: Int64?
        /// When it was decided.
        public var time: Date
        /// Milliseconds after the incident's `origin`.
        public var offsetMS: Double
        /// The trigger; null for a manual run.
        public var trigger: String?
        /// The playbook it ran; null for a suppression.
        public var playbook: String?
        /// `fired`, `suppressed` or `manual`.
        public var verdict: String
        /// Why nothing ran, as stored (`cooldown`, `coalesced`, `rate-limited`, `no-playbook`).
        public var reason: String?
        /// Why, in words: the condition with its values and thresholds, or why nothing ran.
        public var why: String
        /// The condition's text, when the firing carried it.
        public var condition: String?
        /// What the condition saw, known keys first.
        public var evidence: [Evidence]

        /// Makes it from its parts; the server fills it from an incident chain.
        public init(
            event: Int64?, time: Date, offsetMS: Double, trigger: String?, playbook: String?, verdict: String,
            reason: String?, why: String, condition: String?, evidence: [Evidence]
        ) {
            self.event = event
            self.time = time
            self.offsetMS = offsetMS
            self.trigger = trigger
            self.playbook = playbook
            self.verdict = verdict
            self.reason = reason
            self.why = why
            self.condition = condition
            self.evidence = evidence
        }

        enum CodingKeys: String, CodingKey {
            case event, time, trigger, playbook, verdict, reason, why, condition, evidence
            case offsetMS = "offset_ms"
        }

        /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(event, forKey: .event)
            try c.encode(time, forKey: .time)
            try c.encode(offsetMS, forKey: .offsetMS)
            try c.encode(trigger, forKey: .trigger)
            try c.encode(playbook, forKey: .playbook)
            try c.encode(verdict, forKey: .verdict)
            try c.encode(reason, forKey: .reason)
            try c.encode(why, forKey: .why)
            try c.encode(condition, forKey: .condition)
            try c.encode(evidence, forKey: .evidence)
        }
    }

    /// One step of a run, its attempts together.
    public struct Step: Codable, Sendable, Equatable {
        /// Its 0-based position in the playbook.
        public var index: Int
        /// Its name (or `step-N`).
        public var name: String
        /// Its action keyword; null for a skipped step.
        public var action: String?
        /// running, succeeded, failed or skipped.
        public var state: String
        /// When its first attempt started; null when skipped.
        public var startedAt: Date?
        /// `started_at` in milliseconds after the incident's `origin`.
        public var offsetMS: Double?
        /// When its last attempt ended.
        public var finishedAt: Date?
        /// From `started_at` to `finished_at`, retries included.
        public var durationMS: Double?
        /// Attempts, retries included.
        public var attempts: Int
        /// What the action reported, or why it was skipped.
        public var detail: String?
        /// The last failed attempt's error; null once one succeeded.
        public var error: String?

        /// Makes it from its parts; the server fills it from an incident chain.
        public init(
            index: Int, name: String, action: String?, state: String, startedAt: Date?, offsetMS: Double?,
            finishedAt: Date?, durationMS: Double?, attempts: Int, detail: String?, error: String?
        ) {
            self.index = index
            self.name = name
            self.action = action
            self.state = state
            self.startedAt = startedAt
            self.offsetMS = offsetMS
            self.finishedAt = finishedAt
            self.durationMS = durationMS
            self.attempts = attempts
            self.detail = detail
            self.error = error
        }

        enum CodingKeys: String, CodingKey {
            case index, name, action, state, attempts, detail, error
            case startedAt = "started_at"
            case offsetMS = "offset_ms"
            case finishedAt = "finished_at"
            case durationMS = "duration_ms"
        }

        /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(name, forKey: .name)
            try c.encode(action, forKey: .action)
            try c.encode(state, forKey: .state)
            try c.encode(startedAt, forKey: .startedAt)
            try c.encode(offsetMS, forKey: .offsetMS)
            try c.encode(finishedAt, forKey: .finishedAt)
            try c.encode(durationMS, forKey: .durationMS)
            try c.encode(attempts, forKey: .attempts)
            try c.encode(detail, forKey: .detail)
            try c.encode(error, forKey: .error)
        }
    }

    /// The undo of a step, run because its run failed.
    public struct Undo: Codable, Sendable, Equatable {
        /// The undone step's index.
        public var index: Int
        /// The undone step's name.
        public var name: String
        /// The undo's action keyword.
        public var action: String
        /// When it began.
        public var startedAt: Date
        /// `started_at` in milliseconds after the incident's `origin`.
        public var offsetMS: Double
        /// When it finished; null while running.
        public var finishedAt: Date?
        /// From `started_at` to `finished_at`.
        public var durationMS: Double?
        /// Its error; null when it succeeded.
        public var error: String?

        /// Makes it from its parts; the server fills it from an incident chain.
        public init(
            index: Int, name: String, action: String, startedAt: Date, offsetMS: Double, finishedAt: Date?,
            durationMS: Double?, error: String?
        ) {
            self.index = index
            self.name = name
            self.action = action
            self.startedAt = startedAt
            self.offsetMS = offsetMS
            self.finishedAt = finishedAt
            self.durationMS = durationMS
            self.error = error
        }

        enum CodingKeys: String, CodingKey {
            case index, name, action, error
            case startedAt = "started_at"
            case offsetMS = "offset_ms"
            case finishedAt = "finished_at"
            case durationMS = "duration_ms"
        }

        /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(name, forKey: .name)
            try c.encode(action, forKey: .action)
            try c.encode(startedAt, forKey: .startedAt)
            try c.encode(offsetMS, forKey: .offsetMS)
            try c.encode(finishedAt, forKey: .finishedAt)
            try c.encode(durationMS, forKey: .durationMS)
            try c.encode(error, forKey: .error)
        }
    }

    /// A run of the incident: the first, or one it called or escalated to.
    public struct Run: Codable, Sendable, Equatable {
        /// The run's id.
        public var id: String
        /// Its playbook.
        public var playbook: String
        /// The run that called or escalated to it; null for the first.
        public var parent: String?
        /// running, succeeded, failed, superseded, interrupted or abandoned.
        public var state: String
        /// When it started.
        public var startedAt: Date
        /// `started_at` in milliseconds after the incident's `origin`.
        public var offsetMS: Double
        /// When it ended; null while running.
        public var finishedAt: Date?
        /// From `started_at` to `finished_at`.
        public var durationMS: Double?
        /// Why it failed or was superseded.
        public var error: String?
        /// The `on_failure` playbook it escalated to, if it did.
        public var escalatedTo: String?
        /// Its arguments by parameter name.
        public var arguments: [String: String]
        /// Its steps by index.
        public var steps: [Step]
        /// Undos of its steps, in the order they ran.
        public var undos: [Undo]

        /// Makes it from its parts; the server fills it from an incident chain.
        public init(
            id: String, playbook: String, parent: String?, state: String, startedAt: Date, offsetMS: Double,
            finishedAt: Date?, durationMS: Double?, error: String?, escalatedTo: String?, arguments: [String: String],
            steps: [Step], undos: [Undo]
        ) {
            self.id = id
            self.playbook = playbook
            self.parent = parent
            self.state = state
            self.startedAt = startedAt
            self.offsetMS = offsetMS
            self.finishedAt = finishedAt
            self.durationMS = durationMS
            self.error = error
            self.escalatedTo = escalatedTo
            self.arguments = arguments
            self.steps = steps
            self.undos = undos
        }

        enum CodingKeys: String, CodingKey {
            case id, playbook, parent, state, error, arguments, steps, undos
            case startedAt = "started_at"
            case offsetMS = "offset_ms"
            case finishedAt = "finished_at"
            case durationMS = "duration_ms"
            case escalatedTo = "escalated_to"
        }

        /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(playbook, forKey: .playbook)
            try c.encode(parent, forKey: .parent)
            try c.encode(state, forKey: .state)
            try c.encode(startedAt, forKey: .startedAt)
            try c.encode(offsetMS, forKey: .offsetMS)
            try c.encode(finishedAt, forKey: .finishedAt)
            try c.encode(durationMS, forKey: .durationMS)
            try c.encode(error, forKey: .error)
            try c.encode(escalatedTo, forKey: .escalatedTo)
            try c.encode(arguments, forKey: .arguments)
            try c.encode(steps, forKey: .steps)
            try c.encode(undos, forKey: .undos)
        }
    }

    /// Whether the fix held: the runs' outcome, then what the kernel did after.
    public struct Verification: Codable, Sendable, Equatable {
        /// The final run's state, after escalations (succeeded, failed, running, ...).
        public var outcome: String
        /// When the final run ended; null while running.
        public var time: Date?
        /// `time` in milliseconds after the incident's `origin`.
        public var offsetMS: Double?
        /// `healthy` (no trouble after), `trouble`, `pending` (still running) or `unknown`.
        public var kernelState: String
        /// What it found, in words.
        public var summary: String
        /// How long after the end the kernel was watched.
        public var watchedMS: Double?
        /// The kernel's entries after the runs ended, within that time.
        public var after: [Moment]

        /// Makes it from its parts; the server fills it from an incident chain.
        public init(
            outcome: String, time: Date?, offsetMS: Double?, kernelState: String, summary: String, watchedMS: Double?,
            after: [Moment]
        ) {
            self.outcome = outcome
            self.time = time
            self.offsetMS = offsetMS
            self.kernelState = kernelState
            self.summary = summary
            self.watchedMS = watchedMS
            self.after = after
        }

        enum CodingKeys: String, CodingKey {
            case outcome, time, summary, after
            case offsetMS = "offset_ms"
            case kernelState = "kernel_state"
            case watchedMS = "watched_ms"
        }

        /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(outcome, forKey: .outcome)
            try c.encode(time, forKey: .time)
            try c.encode(offsetMS, forKey: .offsetMS)
            try c.encode(kernelState, forKey: .kernelState)
            try c.encode(summary, forKey: .summary)
            try c.encode(watchedMS, forKey: .watchedMS)
            try c.encode(after, forKey: .after)
        }
    }

    /// What was explained (`run heal-3`, `event 1234`, `kernel api`).
    public var subject: String
    /// The kernel the incident is about, if any.
    public var kernel: String?
    /// The trigger that decided, if any.
    public var trigger: String?
    /// The playbook of the first run (or that a suppression would have run).
    public var playbook: String?
    /// The first run's id; null for a suppression.
    public var run: String?
    /// healed, succeeded, relapsed, failed, superseded, running, suppressed or unknown.
    public var outcome: String
    /// One paragraph on the whole incident.
    public var summary: String
    /// Time zero: the first observation, else the decision, else the run's start.
    public var origin: Date
    /// From `origin` to the last point of the chain.
    public var durationMS: Double
    /// What was seen before the decision, oldest first.
    public var observations: [Moment]
    /// The metric samples the condition saw; null where no metric history provides them.
    public var samples: [Sample]?
    /// Earlier decisions of the same trigger in the look-back that ran nothing.
    public var earlierDecisions: [Decision]
    /// The decision that made (or did not make) the run.
    public var decision: Decision?
    /// The runs, in the order they started.
    public var runs: [Run]
    /// Whether it held; null for a suppression.
    public var verification: Verification?
    /// What the knowledge base (and the agent) recorded about the runs.
    public var learned: [Moment]

    /// Makes a view from its parts; the server fills it from an incident chain.
    public init(
        subject: String, kernel: String?, trigger: String?, playbook: String?, run: String?, outcome: String,
        summary: String, origin: Date, durationMS: Double, observations: [Moment], samples: [Sample]?,
        earlierDecisions: [Decision], decision: Decision?, runs: [Run], verification: Verification?, learned: [Moment]
    ) {
        self.subject = subject
        self.kernel = kernel
        self.trigger = trigger
        self.playbook = playbook
        self.run = run
        self.outcome = outcome
        self.summary = summary
        self.origin = origin
        self.durationMS = durationMS
        self.observations = observations
        self.samples = samples
        self.earlierDecisions = earlierDecisions
        self.decision = decision
        self.runs = runs
        self.verification = verification
        self.learned = learned
    }

    enum CodingKeys: String, CodingKey {
        case subject, kernel, trigger, playbook, run, outcome, summary, origin, observations, samples, decision, runs,
            verification, learned
        case durationMS = "duration_ms"
        case earlierDecisions = "earlier_decisions"
    }

    /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(subject, forKey: .subject)
        try c.encode(kernel, forKey: .kernel)
        try c.encode(trigger, forKey: .trigger)
        try c.encode(playbook, forKey: .playbook)
        try c.encode(run, forKey: .run)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(summary, forKey: .summary)
        try c.encode(origin, forKey: .origin)
        try c.encode(durationMS, forKey: .durationMS)
        try c.encode(observations, forKey: .observations)
        try c.encode(samples, forKey: .samples)
        try c.encode(earlierDecisions, forKey: .earlierDecisions)
        try c.encode(decision, forKey: .decision)
        try c.encode(runs, forKey: .runs)
        try c.encode(verification, forKey: .verification)
        try c.encode(learned, forKey: .learned)
    }
}
