/// A trigger that fired: which one, when, and the event fields its `with:` templates may use.
public struct Firing: Sendable, Hashable {
    /// The name of the trigger that fired.
    public var trigger: String
    /// When it fired, as an offset on the runtime clock.
    public var at: Duration
    /// `kernel`, `code`, `signal`, `value`, ... (see docs/dsl.md, "event fields").
    public var fields: [String: String]

    /// Makes a firing; the trigger engine makes one for every firing, suppressed or not.
    public init(trigger: String, at: Duration, fields: [String: String]) {
        self.trigger = trigger
        self.at = at
        self.fields = fields
    }
}
