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
    }

    private let entries: [Entry]

    /// Signatures in name order, so that when two match, the same one wins every time.
    public init(_ signatures: [Signature]) {
        entries = signatures.sorted { $0.header.name.value < $1.header.name.value }.map { signature in
            switch signature.matcher {
            case .pattern(let p): Entry(signature: signature, pattern: SignaturePattern(p.value), regex: nil)
            case .regex(let r):
                Entry(signature: signature, pattern: nil, regex: try? NSRegularExpression(pattern: r.value))
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

    private static func matches(_ entry: Entry, content: String, kernel: String) -> Bool {
        if let k = entry.signature.kernel?.value, k != "*", k != kernel { return false }
        if let pattern = entry.pattern { return pattern.matches(content) }
        guard let regex = entry.regex else { return false }
        return regex.firstMatch(in: content, range: NSRange(content.startIndex..., in: content)) != nil
    }
}
