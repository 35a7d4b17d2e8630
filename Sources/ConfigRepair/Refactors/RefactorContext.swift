import GraceDSL

/// What the runtime observed or decided that a refactor intent needs: the intent says what may change, the
/// context says to what. Each kind reads only its own fields.
public struct RefactorContext: Sendable {
    /// A parameter to add (`add_param`).
    public struct Parameter: Sendable {
        public var name: String
        /// The DSL type (`string`, `kernel`, `duration`, ...).
        public var type: String
        /// Its default; required so that existing callers need not pass it.
        public var defaultValue: YAMLValue

        public init(name: String, type: String, defaultValue: YAMLValue) {
            self.name = name
            self.type = type
            self.defaultValue = defaultValue
        }
    }

    /// A binding the knowledge base learned: log lines of this pattern heal with this playbook
    /// (`promote_signature`).
    public struct LearnedBinding: Sendable {
        public var name: String
        public var pattern: String
        public var playbook: String
        public var kernel: String?
        public var severity: String
        /// Arguments for the playbook (`with:`), as written (templates allowed).
        public var arguments: [(String, String)]
        /// Log lines the pattern must match (the signature's `examples`).
        public var examples: [String]

        public init(
            name: String, pattern: String, playbook: String, kernel: String? = nil, severity: String = "error",
            arguments: [(String, String)] = [], examples: [String] = []
        ) {
            self.name = name
            self.pattern = pattern
            self.playbook = playbook
            self.kernel = kernel
            self.severity = severity
            self.arguments = arguments
            self.examples = examples
        }
    }

    /// `tune`: the observed value (the percentile the caller computed), in the target field's unit: bytes,
    /// seconds, percent, or the number itself.
    public var metricValue: Double?
    /// `rename`: the new name; `extract_playbook`: the new playbook's name.
    public var newName: String?
    /// `extract_playbook`: which steps (by position) move to the new playbook.
    public var steps: Range<Int>?
    /// `inline`: the position of the `call` step to inline (default: the first `call` step).
    public var step: Int?
    /// `add_param`: the parameter.
    public var parameter: Parameter?
    /// `promote_signature`: the learned binding.
    public var binding: LearnedBinding?
    /// `add_health_probe`: the TCP port the kernel was observed listening on.
    public var port: Int?
    /// `add_health_probe`: an HTTP path that answered on `port` (`/healthz`); nil for a TCP probe.
    public var httpPath: String?

    /// An empty context; set the fields the intent's kind reads.
    public init(
        metricValue: Double? = nil, newName: String? = nil, steps: Range<Int>? = nil, step: Int? = nil,
        parameter: Parameter? = nil, binding: LearnedBinding? = nil, port: Int? = nil, httpPath: String? = nil
    ) {
        self.metricValue = metricValue
        self.newName = newName
        self.steps = steps
        self.step = step
        self.parameter = parameter
        self.binding = binding
        self.port = port
        self.httpPath = httpPath
    }
}
