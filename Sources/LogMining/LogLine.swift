/// One log line split by a `LogFormat`: the header fields by placeholder name and the message (`Content`).
///
/// The fields are kept as byte ranges of the line and become strings only when asked for: mining needs the
/// message alone, and making a dictionary of strings for every line costs more than splitting it.
public struct LogLine: Sendable {
    /// The message: the `Content` field, or the whole line when there is no format or it did not match.
    public var content: String
    private var storage: Storage

    private enum Storage: Sendable {
        case dictionary([String: String])
        /// UTF-8 offsets into `source` of each named field (nil: an optional part that did not occur).
        case spans(source: String, names: [String], ranges: [Range<Int>?])
    }

    public init(fields: [String: String], content: String) {
        self.content = content
        self.storage = .dictionary(fields)
    }

    init(source: String, names: [String], ranges: [Range<Int>?], content: String) {
        self.content = content
        self.storage = .spans(source: source, names: names, ranges: ranges)
    }

    /// Every placeholder's text, `Content` included.
    public var fields: [String: String] {
        get {
            switch storage {
            case .dictionary(let fields):
                return fields
            case .spans(let source, let names, let ranges):
                var fields: [String: String] = [:]
                for (name, range) in zip(names, ranges) {
                    if let range { fields[name] = Self.substring(source, range) }
                }
                return fields
            }
        }
        set { storage = .dictionary(newValue) }
    }

    /// One field's text, without making the others.
    public func field(_ name: String) -> String? {
        switch storage {
        case .dictionary(let fields):
            return fields[name]
        case .spans(let source, let names, let ranges):
            guard let index = names.firstIndex(of: name), let range = ranges[index] else { return nil }
            return Self.substring(source, range)
        }
    }

    /// The line's severity as written (a `Level` or `Severity` field), if the format has one.
    public var level: String? {
        for name in ["Level", "level", "LEVEL", "Severity", "severity"] {
            if let value = field(name) { return value }
        }
        return nil
    }

    static func substring(_ source: String, _ range: Range<Int>) -> String {
        let utf8 = source.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
        let upper = utf8.index(lower, offsetBy: range.count)
        return String(decoding: utf8[lower..<upper], as: UTF8.self)
    }
}

extension LogLine: Hashable {
    public static func == (lhs: LogLine, rhs: LogLine) -> Bool {
        lhs.content == rhs.content && lhs.fields == rhs.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(content)
        hasher.combine(fields)
    }
}
