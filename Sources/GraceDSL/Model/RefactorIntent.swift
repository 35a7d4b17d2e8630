/// A change the coding agent may make to the configuration, and within which bounds.
public struct RefactorIntent: Sendable, Hashable {
    public enum Intent: String, Sendable, Hashable, Codable, CaseIterable {
        case tune, rename, extract_playbook, inline, add_param, promote_signature, fix_invalid
        /// Remove playbooks nothing can run (no trigger, call, `on_failure`, escalation or signature reaches them).
        case remove_unreachable
        /// Keep one of two triggers with the same condition and playbook.
        case merge_duplicate_triggers
        /// Give a kernel without `health` a probe on the port it is observed listening on.
        case add_health_probe

        /// The kinds of document an intent of this kind may target.
        public var targetKinds: Set<DocumentKind> {
            switch self {
            case .tune, .rename, .fix_invalid: Set(DocumentKind.allCases)
            case .extract_playbook, .inline, .add_param, .remove_unreachable: [.playbook]
            case .promote_signature: [.playbook, .signature]
            case .merge_duplicate_triggers: [.trigger]
            case .add_health_probe: [.kernel]
            }
        }
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
