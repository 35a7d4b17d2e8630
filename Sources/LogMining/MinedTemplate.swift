import Foundation

/// A template as mined so far: its text (tokens joined by `" "`, variables as `<*>`), its stable id and how many
/// lines it has taken.
public struct MinedTemplate: Sendable, Hashable, Codable {
    public var id: TemplateID
    public var text: String
    public var count: Int

    public init(id: TemplateID, text: String, count: Int) {
        self.id = id
        self.text = text
        self.count = count
    }

    public init(text: String, count: Int) {
        self.init(id: TemplateID(templateText: text), text: text, count: count)
    }

    /// An anchored regular expression (ICU / NSRegularExpression syntax) for the messages this template covers:
    /// its words in order, separated by whitespace, each `<*>` standing for any number of whole tokens (a value may
    /// span several, or be absent), a `<*>` inside a token (`id=<*>`) for any characters but whitespace. A
    /// signature `pattern` matches one token per `<*>`; this is what to export instead when a value spans more.
    public var regularExpression: String {
        var pattern = #"^\s*"#
        var wroteToken = false
        var pendingWildcard = false
        for token in text.split(separator: " ") {
            if token == "<*>" {
                pendingWildcard = true
                continue
            }
            if pendingWildcard {
                pattern += wroteToken ? #"(?:\s+\S+)*?\s+"# : #"(?:\S+\s+)*?"#
            } else if wroteToken {
                pattern += #"\s+"#
            }
            pattern += token.components(separatedBy: "<*>").map { NSRegularExpression.escapedPattern(for: $0) }
                .joined(separator: #"\S*"#)
            wroteToken = true
            pendingWildcard = false
        }
        if pendingWildcard { pattern += wroteToken ? #"(?:\s+\S+)*"# : #"(?:\S+(?:\s+\S+)*)?"# }
        return pattern + #"\s*$"#
    }
}
