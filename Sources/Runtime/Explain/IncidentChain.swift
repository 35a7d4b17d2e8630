// What `grace explain` and the dashboard's incident timeline show: one incident as a causal chain, from the first
// observation to what the knowledge base learned. Assembled from journal entries by `IncidentChainBuilder`; the API
// turns it into `IncidentView`.
import Foundation

/// One incident, cause to outcome: the observations, the condition that held (with its values and thresholds), the
/// decision and why, the runs with their steps, the verification and what was learned.
public struct IncidentChain: Sendable, Hashable {
    /// A journal entry in the chain (an observation, a later check, a learning), with one line that says what it is.
    public struct Moment: Sendable, Hashable {
        /// The entry's journal id.
        public var id: Int64
        /// When it was journaled.
        public var at: Date
        /// Its kind as stored (`kernel.exited`).
        public var kind: String
        /// The kernel it is about, if any.
        public var kernel: String?
        /// What it says, in words (`exited with code 3 after 12.40 s`).
        public var summary: String
        /// Its fields as stored.
        public var fields: [String: String]

        /// Makes a moment from its parts.
        public init(id: Int64, at: Date, kind: String, kernel: String?, summary: String, fields: [String: String]) {
            self.id = id
            self.at = at
            self.kind = kind
            self.kernel = kernel
            self.summary = summary
            self.fields = fields
        }
    }

    /// One metric sample the condition looked at. The journal holds no samples: this is where a metric history
    /// fills them in (nil until something does).
    public struct Sample: Sendable, Hashable {
        /// When it was taken.
        public var at: Date
        /// The metric (`memory_rss`).
        public var metric: String
        /// Its value.
        public var value: Double

        /// Makes a sample from its parts.
        public init(at: Date, metric: String, value: Double) {
            self.at = at
            self.metric = metric
            self.value = value
        }
    }

    /// One value of a firing's evidence (its `event.*` fields), labelled for people.
    public struct Evidence: Sendable, Hashable {
        /// The key as stored (`value`, `threshold`, `cooldown_left_ms`).
        public var key: String
        /// What it is, in words (`value`, `threshold`, `cooldown left`).
        public var label: String
        /// The value as stored.
        public var value: String
        /// The value for people (`12.40 s` for `12400` milliseconds).
        public var text: String

        /// Makes an evidence value from its parts.
        public init(key: String, label: String, value: String, text: String) {
            self.key = key
            self.label = label
            self.value = value
            self.text = text
        }
    }

    /// What a trigger decided, or that a run was started by hand.
    public struct Decision: Sendable, Hashable {
        /// Whether the trigger ran its playbook.
        public enum Verdict: String, Sendable, Hashable, CaseIterable {
            /// The trigger fired and ran its playbook.
            case fired
            /// The trigger's condition held but nothing ran (cooldown, coalescing, rate limit, ...).
            case suppressed
            /// No trigger: the run was started by hand (API, `grace playbook run`).
            case manual
        }

        /// The `trigger.fired` or `trigger.suppressed` entry; nil for a manual run.
        public var entry: Int64?
        /// When it was decided (or the manual run started).
        public var at: Date
        /// The trigger; nil for a manual run.
        public var trigger: String?
        /// The playbook run (or that would have run); nil for a suppression.
        public var playbook: String?
        /// Fired, suppressed or manual.
        public var verdict: Verdict
        /// The suppression's reason as stored (`cooldown`, `coalesced`, `rate-limited`, `no-playbook`); nil otherwise.
        public var reason: String?
        /// Why, in words: the condition with its values and thresholds, or why nothing ran.
        public var why: String
        /// The condition's text, when the firing carried it.
        public var condition: String?
        /// What the condition saw, known keys first.
        public var evidence: [Evidence]

        /// Makes a decision from its parts.
        public init(
            entry: Int64?, at: Date, trigger: String?, playbook: String?, verdict: Verdict, reason: String?,
            why: String, condition: String?, evidence: [Evidence]
        ) {
            self.entry = entry
            self.at = at
            self.trigger = trigger
            self.playbook = playbook
            self.verdict = verdict
            self.reason = reason
            self.why = why
            self.condition = condition
            self.evidence = evidence
        }
    }

    /// One step of a run, all its attempts together.
    public struct Step: Sendable, Hashable {
        /// The step's 0-based position in its playbook.
        public var index: Int
        /// Its name (or `step-N`).
        public var name: String
        /// Its action keyword; nil for a skipped step.
        public var action: String?
        /// running, succeeded, failed or skipped.
        public var state: String
        /// When its first attempt started; nil when skipped.
        public var startedAt: Date?
        /// When its last attempt ended; nil while running or skipped.
        public var finishedAt: Date?
        /// Attempts, retries included.
        public var attempts: Int
        /// What the action reported, or why it was skipped.
        public var detail: String?
        /// The last failed attempt's error; nil once an attempt succeeded.
        public var error: String?

        /// Makes a step from its parts.
        public init(
            index: Int, name: String, action: String?, state: String, startedAt: Date?, finishedAt: Date?,
            attempts: Int, detail: String?, error: String?
        ) {
            self.index = index
            self.name = name
            self.action = action
            self.state = state
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.attempts = attempts
            self.detail = detail
            self.error = error
        }
    }

    /// The undo of a step, run because its run failed.
    public struct Undo: Sendable, Hashable {
        /// The undone step's index.
        public var index: Int
        /// The undone step's name.
        public var name: String
        /// The undo's action keyword.
        public var action: String
        /// When it began.
        public var startedAt: Date
        /// When it finished; nil while running.
        public var finishedAt: Date?
        /// Its error; nil when it succeeded (or runs).
        public var error: String?

        /// Makes an undo from its parts.
        public init(index: Int, name: String, action: String, startedAt: Date, finishedAt: Date?, error: String?) {
            self.index = index
            self.name = name
            self.action = action
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.error = error
        }
    }

    /// A playbook run of the incident: the one the decision started, or one it called or escalated to.
    public struct Run: Sendable, Hashable {
        /// The run's id.
        public var id: String
        /// Its playbook.
        public var playbook: String
        /// The run that called or escalated to it; nil for the incident's first run.
        public var parent: String?
        /// running, succeeded, failed, superseded, interrupted or abandoned.
        public var state: String
        /// When it started.
        public var startedAt: Date
        /// When it ended; nil while running.
        public var finishedAt: Date?
        /// Why it failed (or was superseded).
        public var error: String?
        /// The playbook it escalated to on failure (`on_failure`), if it did.
        public var escalatedTo: String?
        /// Its arguments by parameter name.
        public var arguments: [String: String]
        /// Its steps by index.
        public var steps: [Step]
        /// Undos of its steps, in the order they ran.
        public var undos: [Undo]

        /// Makes a run from its parts.
        public init(
            id: String, playbook: String, parent: String?, state: String, startedAt: Date, finishedAt: Date?,
            error: String?, escalatedTo: String?, arguments: [String: String], steps: [Step], undos: [Undo]
        ) {
            self.id = id
            self.playbook = playbook
            self.parent = parent
            self.state = state
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.error = error
            self.escalatedTo = escalatedTo
            self.arguments = arguments
            self.steps = steps
            self.undos = undos
        }
    }

    /// Whether the fix held: the runs' outcome, then what the kernel did afterwards.
    public struct Verification: Sendable, Hashable {
        /// How the kernel fared after the runs ended.
        public enum KernelState: String, Sendable, Hashable, CaseIterable {
            /// No trouble after the runs (healthy or ready again, or simply quiet).
            case healthy
            /// Trouble again after the runs (it exited, went unhealthy, ...).
            case trouble
            /// The runs have not ended yet.
            case pending
            /// No kernel to watch (the incident is about none), or the runs did not succeed.
            case unknown
        }

        /// The final run's state (after escalations): succeeded, failed, running, ...
        public var outcome: String
        /// When the final run ended; nil while running.
        public var at: Date?
        /// How the kernel fared after that.
        public var kernelState: KernelState
        /// What the verification found, in words.
        public var summary: String
        /// How long after the end the kernel was watched (up to now, at most the builder's window).
        public var watched: Duration?
        /// The kernel's entries after the runs ended, within that time.
        public var after: [Moment]

        /// Makes a verification from its parts.
        public init(
            outcome: String, at: Date?, kernelState: KernelState, summary: String, watched: Duration?,
            after: [Moment]
        ) {
            self.outcome = outcome
            self.at = at
            self.kernelState = kernelState
            self.summary = summary
            self.watched = watched
            self.after = after
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
    /// The first run's id; nil for a suppression.
    public var run: String?
    /// healed, succeeded, relapsed, failed, superseded, running, suppressed or unknown.
    public var outcome: String
    /// One sentence on the whole incident.
    public var summary: String
    /// Time zero: the first observation (or the decision, or the run's start).
    public var origin: Date
    /// What was seen before the decision (same kernel, within the trigger's window), oldest first.
    public var observations: [Moment]
    /// The metric samples the condition saw; nil until a metric history provides them.
    public var samples: [Sample]?
    /// Earlier decisions of the same trigger within the look-back that ran nothing, oldest first.
    public var earlierDecisions: [Decision]
    /// The decision that made (or did not make) the run.
    public var decision: Decision?
    /// The runs: the first, then those it called or escalated to, in the order they started.
    public var runs: [Run]
    /// Whether it held; nil for a suppression.
    public var verification: Verification?
    /// What the knowledge base (and the agent) recorded about the runs.
    public var learned: [Moment]

    /// Makes a chain from its parts.
    public init(
        subject: String, kernel: String?, trigger: String?, playbook: String?, run: String?, outcome: String,
        summary: String, origin: Date, observations: [Moment], samples: [Sample]?, earlierDecisions: [Decision],
        decision: Decision?, runs: [Run], verification: Verification?, learned: [Moment]
    ) {
        self.subject = subject
        self.kernel = kernel
        self.trigger = trigger
        self.playbook = playbook
        self.run = run
        self.outcome = outcome
        self.summary = summary
        self.origin = origin
        self.observations = observations
        self.samples = samples
        self.earlierDecisions = earlierDecisions
        self.decision = decision
        self.runs = runs
        self.verification = verification
        self.learned = learned
    }
}
