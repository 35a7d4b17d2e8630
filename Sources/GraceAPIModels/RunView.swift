import Foundation

/// A playbook run as `GET /v1/runs` and `GET /v1/runs/{id}` show it.
public struct RunView: Codable, Sendable, Equatable {
    /// One step of a run.
    public struct Step: Codable, Sendable, Equatable {
        /// The step's 0-based position in the playbook; steps are listed by it.
        public var index: Int
        /// The step's `name:`, or `step-N` (N counting from 1) without one.
        public var name: String
        /// The step's action keyword (`restart`, `exec`, ...); null for a step that never started (skipped).
        public var action: String?
        /// running, succeeded, failed or skipped.
        public var state: String
        /// When its first attempt started; null for a skipped step.
        public var startedAt: Date?
        /// When its last attempt ended; null while running and for a skipped step.
        public var finishedAt: Date?
        /// From `started_at` to `finished_at` in milliseconds (to the microsecond), retries and their delays included.
        public var durationMS: Double?
        /// Attempts so far, retries included; 0 for a skipped step.
        public var attempts: Int
        /// What the action reported on success, or why the step was skipped (`condition false`).
        public var detail: String?
        /// The latest failed attempt's error; null once an attempt succeeds.
        public var error: String?

        /// Makes a step from its parts; the server fills it from the run index.
        public init(
            index: Int, name: String, action: String?, state: String, startedAt: Date?, finishedAt: Date?,
            durationMS: Double?, attempts: Int, detail: String?, error: String?
        ) {
            self.index = index
            self.name = name
            self.action = action
            self.state = state
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.durationMS = durationMS
            self.attempts = attempts
            self.detail = detail
            self.error = error
        }

        enum CodingKeys: String, CodingKey {
            case index, name, action, state, attempts, detail, error
            case startedAt = "started_at"
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
            try c.encode(finishedAt, forKey: .finishedAt)
            try c.encode(durationMS, forKey: .durationMS)
            try c.encode(attempts, forKey: .attempts)
            try c.encode(detail, forKey: .detail)
            try c.encode(error, forKey: .error)
        }
    }

    /// The run's id (`<prefix>-<n>`; a retried interrupted run adds `-retry`).
    public var id: String
    /// The playbook's name; `?` when the server's index holds steps of the run but not its start.
    public var playbook: String
    /// The trigger that started it (also on the runs it calls or escalates to); null for a run started by hand.
    public var trigger: String?
    /// running, succeeded or failed (a run interrupted by a crash of Grace, or abandoned, is failed).
    public var state: String
    /// When `run.started` was journaled.
    public var startedAt: Date
    /// When it succeeded or failed; null while running.
    public var finishedAt: Date?
    /// From `started_at` to `finished_at` in milliseconds (to the microsecond); null while running.
    public var durationMS: Double?
    /// The arguments it was started with, by parameter name, as text (defaults not filled in).
    public var arguments: [String: String]
    /// Why it failed (`run.failed`'s error, or the kind for an interrupted or abandoned run); null otherwise.
    public var error: String?
    /// The steps that started or were skipped, by index; steps after a failure are absent.
    public var steps: [Step]

    /// Makes a view from its parts; the server fills it from the run index.
    public init(
        id: String, playbook: String, trigger: String?, state: String, startedAt: Date, finishedAt: Date?,
        durationMS: Double?, arguments: [String: String], error: String?, steps: [Step]
    ) {
        self.id = id
        self.playbook = playbook
        self.trigger = trigger
        self.state = state
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMS = durationMS
        self.arguments = arguments
        self.error = error
        self.steps = steps
    }

    enum CodingKeys: String, CodingKey {
        case id, playbook, trigger, state, arguments, error, steps
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationMS = "duration_ms"
    }

    /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(playbook, forKey: .playbook)
        try c.encode(trigger, forKey: .trigger)
        try c.encode(state, forKey: .state)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(durationMS, forKey: .durationMS)
        try c.encode(arguments, forKey: .arguments)
        try c.encode(error, forKey: .error)
        try c.encode(steps, forKey: .steps)
    }
}

/// `GET /v1/runs`: newest first.
public struct RunsResponse: Codable, Sendable, Equatable {
    /// Up to `limit` runs (50 by default), newest first.
    public var runs: [RunView]

    /// Wraps the views.
    public init(runs: [RunView]) {
        self.runs = runs
    }
}

/// `POST /v1/playbooks/{name}/run`: the body (parameters by name; strings, numbers and booleans).
public struct PlaybookRunRequest: Codable, Sendable, Equatable {
    /// Arguments by parameter name; each must be declared by the playbook, and required ones must be present.
    public var params: [String: ParameterValue]?

    /// A request with these arguments (none by default).
    public init(params: [String: ParameterValue]? = nil) {
        self.params = params
    }
}

/// A playbook parameter's value as a client sends it: a string, a number or a boolean, passed on as text.
public struct ParameterValue: Codable, Sendable, Equatable {
    /// The value as the playbook receives it: booleans as `true` or `false`, numbers as decimal text.
    public var text: String

    /// A value given as text.
    public init(_ text: String) {
        self.text = text
    }

    /// Reads a JSON string, boolean or number (a non-finite one is refused); anything else is a type mismatch.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            text = s
        } else if let b = try? c.decode(Bool.self) {
            text = b ? "true" : "false"
        } else if let i = try? c.decode(Int64.self) {
            text = String(i)
        } else if let d = try? c.decode(Double.self), d.isFinite {
            text = String(d)
        } else {
            throw DecodingError.typeMismatch(
                String.self, .init(codingPath: c.codingPath, debugDescription: "a string, number or boolean"))
        }
    }

    /// Writes the value as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

/// `POST /v1/playbooks/{name}/run`: how the run ended (the request answers once it has).
public struct PlaybookRunResponse: Codable, Sendable, Equatable {
    /// The same as `succeeded`: a failed run is still a 200 answer.
    public var ok: Bool
    /// The run's id, for `GET /v1/runs/{id}`.
    public var run: String
    /// Whether the run succeeded (an escalation's outcome is not counted).
    public var succeeded: Bool
    /// Why it failed; null when it succeeded.
    public var error: String?

    /// Makes a response from its parts; the server fills it from the executor's outcome.
    public init(ok: Bool, run: String, succeeded: Bool, error: String?) {
        self.ok = ok
        self.run = run
        self.succeeded = succeeded
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case ok, run, succeeded, error
    }

    /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(run, forKey: .run)
        try c.encode(succeeded, forKey: .succeeded)
        try c.encode(error, forKey: .error)
    }
}
