/// A known error pattern bound to the playbook that fixes it.
public struct Signature: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable, Codable, CaseIterable {
        case info, warning, error, critical
    }

    public enum Matcher: Sendable, Hashable {
        /// Drain-style template: tokens separated by spaces, `<*>` matches one variable token.
        case pattern(Located<String>)
        case regex(Located<String>)
    }

    public var header: DocumentHeader
    public var kernel: Located<String>?
    public var matcher: Matcher
    public var severity: Severity = .error
    /// The playbook that fixes it; nil for a signature that is only recognised (triggers may name it).
    public var playbook: Located<String>?
    public var with: [PlaybookArgument] = []
    public var withKeySpan: SourceSpan?
    public var examples: [Located<String>] = []

    public init(header: DocumentHeader, matcher: Matcher, playbook: Located<String>?) {
        self.header = header
        self.matcher = matcher
        self.playbook = playbook
    }
}
