/// A string with `{{ name }}` placeholders. Names are dotted paths (`kernel`, `event.kernel`, `run.id`);
/// which names are in scope, and their types, is checked by the compiler.
public struct Template: Sendable, Hashable, Codable {
    public enum Segment: Sendable, Hashable, Codable {
        case text(String)
        case placeholder([String])
    }

    public var segments: [Segment]

    /// What is wrong with a template's syntax.
    public struct SyntaxError: Error, Sendable, Hashable {
        public var message: String
    }

    /// True when `text` contains a placeholder opening, i.e. it is meant as a template.
    /// Scans UTF-8 bytes: `String.contains` on a `String` argument resolves to Foundation's, which bridges to
    /// `NSString` for every templated-looking value of a configuration.
    public static func looksTemplated(_ text: String) -> Bool {
        let open = UInt8(ascii: "{")
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == open && previous == open { return true }
            previous = byte
        }
        return false
    }

    public static func parse(_ text: String) -> Result<Template, SyntaxError> {
        // Scans UTF-8 bytes: templates are parsed for every templated value of large configurations.
        let bytes = Array(text.utf8)
        let open = UInt8(ascii: "{")
        let close = UInt8(ascii: "}")
        var segments: [Segment] = []
        var literalStart = 0
        var i = 0
        func literal(_ from: Int, _ to: Int) {
            if to > from { segments.append(.text(String(decoding: bytes[from..<to], as: UTF8.self))) }
        }
        while i < bytes.count {
            if bytes[i] == open, i + 1 < bytes.count, bytes[i + 1] == open {
                literal(literalStart, i)
                var j = i + 2
                while j + 1 < bytes.count, !(bytes[j] == close && bytes[j + 1] == close) { j += 1 }
                guard j + 1 < bytes.count else {
                    return .failure(SyntaxError(message: "`{{` is not closed by `}}`"))
                }
                let inner = trimmed(Substring(String(decoding: bytes[(i + 2)..<j], as: UTF8.self)))
                guard !inner.isEmpty else { return .failure(SyntaxError(message: "empty placeholder `{{ }}`")) }
                let path = inner.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                for part in path {
                    guard isName(part) else {
                        return .failure(
                            SyntaxError(
                                message:
                                    "`\(inner)` is not a name; placeholders hold names like `kernel` or `event.kernel`")
                        )
                    }
                }
                segments.append(.placeholder(path))
                i = j + 2
                literalStart = i
                continue
            }
            if bytes[i] == close, i + 1 < bytes.count, bytes[i + 1] == close {
                return .failure(SyntaxError(message: "`}}` without a matching `{{`"))
            }
            i += 1
        }
        literal(literalStart, bytes.count)
        return .success(Template(segments: segments))
    }

    /// The placeholder path when the whole template is one placeholder (`"{{ kernel }}"`).
    public var singlePlaceholder: [String]? {
        if segments.count == 1, case .placeholder(let path) = segments[0] { return path }
        return nil
    }

    public var placeholders: [[String]] {
        segments.compactMap { if case .placeholder(let p) = $0 { p } else { nil } }
    }

    /// Substitutes every placeholder; nil when `lookup` does not know one.
    public func render(_ lookup: ([String]) -> String?) -> String? {
        var out = ""
        for segment in segments {
            switch segment {
            case .text(let t): out += t
            case .placeholder(let path):
                guard let value = lookup(path) else { return nil }
                out += value
            }
        }
        return out
    }
}

/// A letter or `_`, then letters, digits and `_`. ASCII names (nearly all) are checked byte by byte: for
/// ASCII, `Character.isLetter` is exactly `A-Z a-z` and `isNumber` exactly `0-9`, and asking Unicode's
/// properties for every character is what made this check show up in profiles.
private func isName(_ part: String) -> Bool {
    var ascii = true
    var first = true
    for byte in part.utf8 {
        if byte >= 0x80 {
            ascii = false
            break
        }
        let isLetter =
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
        let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        if first ? !isLetter : !(isLetter || isDigit) { return false }
        first = false
    }
    if ascii { return !first }
    guard let first = part.first, first.isLetter || first == "_" else { return false }
    return part.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
}

/// Trims spaces and tabs (Foundation's CharacterSet is not needed for two characters).
private func trimmed(_ text: Substring) -> String {
    var s = text
    while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
    return String(s)
}
