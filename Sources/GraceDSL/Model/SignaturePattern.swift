import Foundation

/// A Drain-style log template: whitespace-separated tokens where `<*>` stands for one variable token, and a
/// token such as `id=<*>` keeps its constant part.
public struct SignaturePattern: Sendable, Hashable {
    public let tokens: [String]

    public init(_ pattern: String) {
        tokens = pattern.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    public func matches(_ line: String) -> Bool {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count == tokens.count else { return false }
        return zip(tokens, words).allSatisfy { Self.token($0, matches: $1) }
    }

    static func token(_ pattern: String, matches word: Substring) -> Bool {
        if pattern == "<*>" { return true }
        guard pattern.contains("<*>") else { return pattern == word }
        // Constant pieces around each wildcard must appear in order.
        let pieces = pattern.components(separatedBy: "<*>")
        var rest = word[...]
        for (i, piece) in pieces.enumerated() {
            if i == 0 {
                guard rest.hasPrefix(piece) else { return false }
                rest = rest.dropFirst(piece.count)
            } else if i == pieces.count - 1 {
                return piece.isEmpty || rest.hasSuffix(piece)
            } else if let r = rest.range(of: piece) {
                rest = rest[r.upperBound...]
            } else {
                return false
            }
        }
        return true
    }
}
