/// A trigger that fired: which one, when, and the event fields its `with:` templates may use.
public struct Firing: Sendable, Hashable {
    public var trigger: String
    public var at: Duration
    /// `kernel`, `code`, `signal`, `value`, ... (see docs/dsl.md, "event fields").
    public var fields: [String: String]

    public init(trigger: String, at: Duration, fields: [String: String]) {
        self.trigger = trigger
        self.at = at
        self.fields = fields
    }
}
