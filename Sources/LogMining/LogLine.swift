/// One log line split by a `LogFormat`: the header fields by placeholder name and the message (`Content`).
public struct LogLine: Sendable, Hashable {
    /// Every placeholder's text, `Content` included.
    public var fields: [String: String]
    /// The message: the `Content` field, or the whole line when there is no format or it did not match.
    public var content: String

    public init(fields: [String: String], content: String) {
        self.fields = fields
        self.content = content
    }

    /// The line's severity as written (`Level`, `Severity` or `Type` field, in that order), if the format has one.
    public var level: String? {
        for name in ["Level", "level", "LEVEL", "Severity", "severity"] {
            if let value = fields[name] { return value }
        }
        return nil
    }
}
