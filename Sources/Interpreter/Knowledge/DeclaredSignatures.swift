import Foundation
import GraceDSL

/// The `signature` documents of a graph with their matchers compiled once: which declared signature, if any,
/// a line's message matches. Declared signatures are reviewed configuration, so they win over anything the
/// knowledge base learned.
public struct DeclaredSignatures: Sendable {
    private struct Entry: @unchecked Sendable {  // NSRegularExpression is immutable and thread-safe once built.
        let signature: Signature
        let pattern: SignaturePattern?
        let regex: NSRegularExpression?
        /// Names of the regex's `(?<name>...)` groups, which become event fields.
        let groups: [String]
    }

    private let entries: [Entry]

    /// Signatures in name order, so that when two match, the same one wins every time.
    public init(_ signatures: [Signature]) {
        entries = signatures.sorted { $0.header.name.value < $1.header.name.value }.map { signature in
            switch signature.matcher {
            case .pattern(let p):
                Entry(signature: signature, pattern: SignaturePattern(p.value), regex: nil, groups: [])
            case .regex(let r):
                Entry(
                    signature: signature, pattern: nil, regex: try? NSRegularExpression(pattern: r.value),
                    groups: TemplateScope.namedGroups(r.value))
            }
        }
    }

    /// True when the graph declares no signatures, so callers can skip matching lines altogether.
    public var isEmpty: Bool { entries.isEmpty }

    /// The first declared signature (by name) that matches `content` from `kernel`; with `bound`, only those
    /// bound to a playbook.
    public func firstMatch(_ content: String, kernel: String, bound: Bool = false) -> Signature? {
        entries.first { entry in
            (!bound || entry.signature.playbook != nil) && Self.matches(entry, content: content, kernel: kernel)
        }?.signature
    }

    /// Whether `content` from `kernel` matches the declared signature `name`.
    public func matches(_ name: String, content: String, kernel: String) -> Bool {
        guard let entry = entries.first(where: { $0.signature.header.name.value == name }) else { return false }
        return Self.matches(entry, content: content, kernel: kernel)
    }

    /// The first declared signature (by name) that matches, with what the named groups of its regex captured
    /// (empty for a pattern, or a regex without named groups); with `bound`, only those bound to a playbook.
    public func firstCapture(_ content: String, kernel: String, bound: Bool = false) -> (
        signature: Signature, captures: [String: String]
    )? {
        for entry in entries where !bound || entry.signature.playbook != nil {
            if let captures = Self.captures(entry, content: content, kernel: kernel) {
                return (entry.signature, captures)
            }
        }
        return nil
    }

    /// What the named groups of the declared signature `name` captured from `content`; nil when it does not match.
    public func captures(_ name: String, content: String, kernel: String) -> [String: String]? {
        guard let entry = entries.first(where: { $0.signature.header.name.value == name }) else { return nil }
        return Self.captures(entry, content: content, kernel: kernel)
    }

    private static func matches(_ entry: Entry, content: String, kernel: String) -> Bool {
        captures(entry, content: content, kernel: kernel) != nil
    }

    private static func captures(_ entry: Entry, content: String, kernel: String) -> [String: String]? {
        if let k = entry.signature.kernel?.value, k != "*", k != kernel { return nil }
        if let pattern = entry.pattern { return pattern.matches(content) ? [:] : nil }
        guard let regex = entry.regex,
            let match = regex.firstMatch(in: content, range: NSRange(content.startIndex..., in: content))
        else { return nil }
        var captured: [String: String] = [:]
        for name in entry.groups {
            let range = match.range(withName: name)
            if range.location != NSNotFound, let r = Range(range, in: content) { captured[name] = String(content[r]) }
        }
        return captured
    }
}
