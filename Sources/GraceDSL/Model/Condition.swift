/// A trigger's `when`: what must happen for it to fire.
public indirect enum Condition: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable, Codable {
        case above, below
    }

    public enum Stream: String, Sendable, Hashable, Codable, CaseIterable {
        case stdout, stderr, any
    }

    public struct Threshold: Sendable, Hashable {
        public var direction: Direction
        public var value: Located<MetricValue>
    }

    /// `exit: api`: the process exits.
    case exit(target: Located<String>, codes: [Int], signals: [Signal], expected: Bool)
    /// `health: api`: the health probe fails `failures` times in a row.
    case health(target: Located<String>, failures: Int?)
    /// `silence: api`: no heartbeat within `within`.
    case silence(target: Located<String>, within: Duration?)
    /// `metric: cpu`: a threshold held for a window.
    case metric(metric: Located<Metric>, kernel: Located<String>?, threshold: Threshold, for: Duration?)
    /// `predict: memory_rss`: a linear trend crosses the threshold within the horizon.
    case predict(
        metric: Located<Metric>, kernel: Located<String>?, threshold: Threshold, within: Duration, window: Duration)
    /// `anomaly: cpu`: an EWMA z-score beyond `z`.
    case anomaly(metric: Located<Metric>, kernel: Located<String>?, z: Double, alpha: Double, warmup: Int)
    /// `log: REGEX`: matching lines.
    case log(pattern: Located<String>, kernel: Located<String>?, stream: Stream, count: Int, within: Duration?)
    /// `signature: NAME|known|unknown`.
    case signature(target: Located<String>, kernel: Located<String>?, count: Int, within: Duration?)
    /// `file: PATH`: checksum drift.
    case file(path: Located<String>, kernel: Located<String>?, every: Duration?)
    /// `certificate: PATH`: the X.509 certificate in the file expires within `within` (checked every `every`).
    case certificate(path: Located<String>, kernel: Located<String>?, within: Duration, every: Duration?)
    /// `restarts: api`: a restart loop.
    case restarts(target: Located<String>, count: Int, within: Duration)
    /// `gave_up: api`: the restart intensity limit was breached and Grace stopped restarting the kernel.
    case gaveUp(target: Located<String>)
    /// `config: invalid`.
    case configInvalid(paths: [String])
    /// `deadlock: [a, b]`: all unhealthy together.
    case deadlock(members: [Located<String>], for: Duration?)
    /// `member_lost: grace-2`.
    case memberLost(target: Located<String>, fleet: Located<String>?)
    /// `every: 1h`.
    case every(Duration)
    /// `cron: "*/5 * * * *"`.
    case cron(expression: Located<String>, timezone: String?)
    /// `all: [...]`: every part within the window.
    case all([ConditionNode], within: Duration?)
    /// `any: [...]`.
    case any([ConditionNode])

    /// The discriminating key as written.
    public var keyword: String {
        switch self {
        case .exit: "exit"
        case .health: "health"
        case .silence: "silence"
        case .metric: "metric"
        case .predict: "predict"
        case .anomaly: "anomaly"
        case .log: "log"
        case .signature: "signature"
        case .file: "file"
        case .certificate: "certificate"
        case .restarts: "restarts"
        case .gaveUp: "gave_up"
        case .configInvalid: "config"
        case .deadlock: "deadlock"
        case .memberLost: "member_lost"
        case .every: "every"
        case .cron: "cron"
        case .all: "all"
        case .any: "any"
        }
    }

    public static let keywords = [
        "exit", "health", "silence", "metric", "predict", "anomaly", "log", "signature", "file", "certificate",
        "restarts", "gave_up", "config", "deadlock", "member_lost", "every", "cron", "all", "any",
    ]
}

/// A condition with where it was written: `span` is the whole mapping, `valueSpan` the discriminating value,
/// `source` the mapping as written (for comparing conditions by content).
public struct ConditionNode: Sendable, Hashable {
    public var condition: Condition
    public var span: SourceSpan
    public var valueSpan: SourceSpan
    public var source: YAMLNode

    public init(condition: Condition, span: SourceSpan, valueSpan: SourceSpan, source: YAMLNode) {
        self.condition = condition
        self.span = span
        self.valueSpan = valueSpan
        self.source = source
    }
}

/// A `key: value` passed to a playbook (`with:`); the value is kept as written and checked against the
/// parameter's type.
public struct PlaybookArgument: Sendable, Hashable {
    public var name: Located<String>
    public var value: YAMLNode

    public init(name: Located<String>, value: YAMLNode) {
        self.name = name
        self.value = value
    }
}

/// A condition that runs a playbook.
public struct Trigger: Sendable, Hashable {
    public var header: DocumentHeader
    public var when: ConditionNode
    public var run: Located<String>?
    public var with: [PlaybookArgument] = []
    /// The `with` key, where missing parameters are reported.
    public var withKeySpan: SourceSpan?
    public var cooldown: Duration?
    public var coalesce: Duration?
    public var enabled = true

    public init(header: DocumentHeader, when: ConditionNode) {
        self.header = header
        self.when = when
    }
}
