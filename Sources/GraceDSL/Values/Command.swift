/// A command line as argv. Written as a list of strings, or as one string split on spaces with shell-like
/// single and double quotes (no variables, globs or pipes: Grace never runs a shell implicitly).
public struct Command: Sendable, Hashable, Codable, CustomStringConvertible {
    public var arguments: [String]

    public init(_ arguments: [String]) {
        self.arguments = arguments
    }

    public var executable: String { arguments.first ?? "" }

    /// Splits a command string; nil when a quote is left open.
    public static func split(_ text: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in text {
            if escaped {
                current.append(ch)
                escaped = false
                continue
            }
            if let q = quote {
                if ch == q {
                    quote = nil
                } else if ch == "\\" && q == "\"" {
                    escaped = true
                } else {
                    current.append(ch)
                }
                continue
            }
            switch ch {
            case "'", "\"":
                quote = ch
                inWord = true
            case "\\":
                escaped = true
                inWord = true
            case " ", "\t", "\n":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            default:
                current.append(ch)
                inWord = true
            }
        }
        guard quote == nil, !escaped else { return nil }
        if inWord { words.append(current) }
        return words
    }

    public var description: String {
        arguments.map { arg in
            arg.isEmpty || arg.contains(where: { $0 == " " || $0 == "'" || $0 == "\"" }) ? "'\(arg)'" : arg
        }.joined(separator: " ")
    }
}
