/// A fix, step by step.
public struct Playbook: Sendable, Hashable {
    public struct Parameter: Sendable, Hashable {
        public var name: Located<String>
        public var type: ValueType
        public var defaultValue: YAMLNode?
        public var required: Bool { defaultValue == nil }
    }

    public struct SuccessCriteria: Sendable, Hashable {
        public var healthy: [Located<String>]
        public var within: Duration
    }

    public var header: DocumentHeader
    public var params: [Parameter] = []
    public var steps: [Step] = []
    public var success: SuccessCriteria?
    public var onFailure: Located<String>?
    public var timeout: Duration?
    public var manual = false
    /// False when a step or parameter did not decode; checks that need every step (unused parameters) skip it.
    public var isComplete = true

    public init(header: DocumentHeader) {
        self.header = header
    }

    public func parameter(_ name: String) -> Parameter? { params.first { $0.name.value == name } }
}

/// One step of a playbook: an action plus how to run it.
public struct Step: Sendable, Hashable {
    public struct Retry: Sendable, Hashable, Codable {
        public var attempts: Int = 1
        public var delay: Duration = .seconds(1)
        public var backoff: Double = 1
        public var maxDelay: Duration?

        public init(attempts: Int = 1, delay: Duration = .seconds(1), backoff: Double = 1, maxDelay: Duration? = nil) {
            self.attempts = attempts
            self.delay = delay
            self.backoff = backoff
            self.maxDelay = maxDelay
        }
    }

    public var name: Located<String>?
    public var action: Action
    /// The action key (`restart`), for messages about the step as a whole.
    public var actionKeySpan: SourceSpan
    public var span: SourceSpan
    public var timeout: Duration?
    public var retry: Retry?
    public var condition: StepCondition?
    public var undo: [Step] = []
    public var continueOnError = false
    /// `stays_down: true` on a `stop` or `pause` step: the kernel is meant to stay down, so a run that fails later
    /// does not start or resume it again (by default it does: a failed run never leaves a kernel worse than it found
    /// it).
    public var staysDown = false

    public init(action: Action, actionKeySpan: SourceSpan, span: SourceSpan) {
        self.action = action
        self.actionKeySpan = actionKeySpan
        self.span = span
    }
}

/// A step's `if:`.
public indirect enum StepCondition: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case succeeded, failed, skipped
    }

    case healthy(Located<String>)
    case running(Located<String>)
    case fileExists(Located<String>)
    case equals(Located<String>, Located<String>)
    case step(Located<String>, status: Status)
    case not(StepCondition)
    case all([StepCondition])
    case any([StepCondition])

    public static let keywords = ["healthy", "running", "file_exists", "equals", "step", "not", "all", "any"]
}
