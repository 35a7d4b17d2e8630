/// A change the coding agent may make to the configuration, and within which bounds.
public struct RefactorIntent: Sendable, Hashable {
    public enum Intent: String, Sendable, Hashable, Codable, CaseIterable {
        case tune, rename, extract_playbook, inline, add_param, promote_signature, fix_invalid
    }

    public enum Approval: String, Sendable, Hashable, Codable, CaseIterable {
        case auto, review
    }

    public struct Target: Sendable, Hashable {
        public var kind: Located<DocumentKind>
        public var name: Located<String>?
        public var field: Located<String>?
    }

    public struct Source: Sendable, Hashable {
        public var metric: Located<Metric>
        public var kernel: Located<String>?
        public var percentile: Double
        public var window: Duration
        public var margin: Percent?
    }

    public var header: DocumentHeader
    public var intent: Intent
    public var target: Target
    /// `bounds.min` / `bounds.max`, in the type of the target field.
    public var boundsMin: YAMLNode?
    public var boundsMax: YAMLNode?
    public var from: Source?
    public var approval: Approval = .review
    public var verify: [Located<Command>] = []

    public init(header: DocumentHeader, intent: Intent, target: Target) {
        self.header = header
        self.intent = intent
        self.target = target
    }
}
