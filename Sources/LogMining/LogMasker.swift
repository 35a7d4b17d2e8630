import Foundation

/// Replaces what a kernel declares variable (addresses, block ids, durations) by `<*>` before mining, one
/// regular expression after the other, as logpai's preprocessing does (`re.sub(mask, '<*>', line)` per mask).
public struct LogMasker: Sendable {
    /// The masks as declared.
    public let patterns: [String]
    private let masks: [Mask]

    public init(patterns: [String]) throws {
        self.patterns = patterns
        self.masks = try patterns.map { try Mask($0) }
    }

    /// `content` with every match of every mask replaced by `<*>`.
    public func mask(_ content: String) -> String {
        var text = content
        for mask in masks {
            text = mask.replace(in: text)
        }
        return text
    }
}
