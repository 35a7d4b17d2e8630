/// What went wrong while setting up mining: a line format or a mask that cannot be used. Mining itself never
/// fails; any line, even empty or not UTF-8, yields a template.
public enum LogMiningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line format is not usable (unbalanced `<`, no placeholder, duplicate names, a literal part that is not
    /// a valid regular expression).
    case invalidFormat(format: String, reason: String)
    /// A mask is not a valid regular expression.
    case invalidMask(pattern: String, reason: String)

    public var description: String {
        switch self {
        case .invalidFormat(let format, let reason): "invalid log format `\(format)`: \(reason)"
        case .invalidMask(let pattern, let reason): "invalid mask `\(pattern)`: \(reason)"
        }
    }
}
