/// A trigger that fired: which one, when, and the event fields its `with:` templates may use.
public struct Firing: Sendable, Hashable {
    /// The name of the trigger that fired.
    public var trigger: String
    /// When it fired, as an offset on the runtime clock.
    public var at: Duration
    /// `kernel`, `code`, `signal`, `value`, ... (see docs/dsl.md, "event fields").
    public var fields: [String: String]
    /// What the condition saw and why the decision went the way it did, beyond the fields: the threshold and the
    /// window's samples, a trend's fit, an anomaly's mean and deviation, the cooldown left (docs/replay.md).
    public var evidence: [String: String]

    /// Makes a firing; the trigger engine makes one for every firing, suppressed or not.
    public init(trigger: String, at: Duration, fields: [String: String], evidence: [String: String] = [:]) {
        self.trigger = trigger
        self.at = at
        self.fields = fields
        self.evidence = evidence
    }

    /// The fields and the evidence together, as journaled (`event.*`); a field wins over evidence of the same name.
    public var journaled: [String: String] {
        fields.merging(evidence) { field, _ in field }
    }
}
