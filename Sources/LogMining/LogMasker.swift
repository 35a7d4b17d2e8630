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

/// One mask: a regular expression, with a cheap test that skips lines it cannot match.
struct Mask: @unchecked Sendable {
    // NSRegularExpression is immutable and thread-safe; it is just not marked Sendable.
    let regex: NSRegularExpression

    init(_ pattern: String) throws {
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw LogMiningError.invalidMask(pattern: pattern, reason: "not a valid regular expression")
        }
    }

    func replace(in text: String) -> String {
        let range = NSRange(location: 0, length: (text as NSString).length)
        return regex.stringByReplacingMatches(in: text, range: range, withTemplate: "<*>")
    }
}
