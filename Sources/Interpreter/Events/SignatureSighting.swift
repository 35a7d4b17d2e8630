/// A warning- or error-level log line recognised by its mined template (see LogMining), with what the knowledge
/// base knows about that template.
public struct SignatureSighting: Sendable, Hashable {
    /// The kernel whose output the line was.
    public var kernel: String
    /// The whole line as the kernel wrote it.
    public var line: String
    /// The line's message part (by the kernel's `logs.format`), unmasked; the whole line without a format.
    public var content: String
    /// The template's stable id (the same template has the same id on every machine and after restarts).
    public var signature: String
    /// The template's text, variables as `<*>`.
    public var template: String
    /// From the line's level (its `Level` field by `logs.format`, else a level word near its start); `error` and
    /// `critical` only for levels in the kernel's `logs.error_levels`.
    public var severity: Severity
    /// The playbook the knowledge base chose for a learned binding of this signature; nil when unbound.
    /// Declared `signature` documents are matched on the line itself and win over learned bindings.
    public var playbook: String?

    /// Severity from a line's level (`ERROR`, `WARN`, `FATAL`, ...).
    public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        /// In increasing order; only `warning` and above are mined into sightings.
        case info, warning, error, critical

        /// Maps a level word (any case) to a severity; unknown words and nil are `info`.
        public init(level: String?) {
            switch level?.uppercased() {
            case "WARN", "WARNING": self = .warning
            case "ERROR", "ERR", "SEVERE", "E": self = .error
            case "FATAL", "CRITICAL", "CRIT", "PANIC", "EMERG", "EMERGENCY", "ALERT", "F": self = .critical
            default: self = .info
            }
        }

        private var rank: Int {
            switch self {
            case .info: 0
            case .warning: 1
            case .error: 2
            case .critical: 3
            }
        }

        /// Orders by seriousness: `info` < `warning` < `error` < `critical`.
        public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
    }

    /// Makes a sighting; `content` defaults to the whole line (a kernel without `logs.format`).
    public init(
        kernel: String, line: String, content: String? = nil, signature: String, template: String, severity: Severity,
        playbook: String? = nil
    ) {
        self.kernel = kernel
        self.line = line
        self.content = content ?? line
        self.signature = signature
        self.template = template
        self.severity = severity
        self.playbook = playbook
    }
}
