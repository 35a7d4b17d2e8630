import Foundation

/// A playbook run as `GET /v1/runs` and `GET /v1/runs/{id}` show it.
public struct RunView: Codable, Sendable, Equatable {
    /// One step of a run.
    public struct Step: Codable, Sendable, Equatable {
        public var index: Int
        public var name: String
        public var action: String?
        /// running, succeeded, failed or skipped.
        public var state: String
        public var startedAt: Date?
        public var finishedAt: Date?
        public var durationMS: Double?
        public var attempts: Int
        public var detail: String?
        public var error: String?

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

    public var id: String
    public var playbook: String
    public var trigger: String?
    /// running, succeeded or failed.
    public var state: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationMS: Double?
    public var arguments: [String: String]
    public var error: String?
    public var steps: [Step]

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
    public var runs: [RunView]

    public init(runs: [RunView]) {
        self.runs = runs
    }
}

/// `POST /v1/playbooks/{name}/run`: the body (parameters by name; strings, numbers and booleans).
public struct PlaybookRunRequest: Codable, Sendable, Equatable {
    public var params: [String: ParameterValue]?

    public init(params: [String: ParameterValue]? = nil) {
        self.params = params
    }
}

/// A playbook parameter's value as a client sends it: a string, a number or a boolean, passed on as text.
public struct ParameterValue: Codable, Sendable, Equatable {
    public var text: String

    public init(_ text: String) {
        self.text = text
    }

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

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

/// `POST /v1/playbooks/{name}/run`: how the run ended (the request answers once it has).
public struct PlaybookRunResponse: Codable, Sendable, Equatable {
    public var ok: Bool
    public var run: String
    public var succeeded: Bool
    public var error: String?

    public init(ok: Bool, run: String, succeeded: Bool, error: String?) {
        self.ok = ok
        self.run = run
        self.succeeded = succeeded
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case ok, run, succeeded, error
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(run, forKey: .run)
        try c.encode(succeeded, forKey: .succeeded)
        try c.encode(error, forKey: .error)
    }
}
