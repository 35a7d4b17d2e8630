import Foundation

/// NSRegularExpression with a bound on its work, as `BytePattern` has one. ICU backtracks without limit: a format
/// such as `<Date> <Pid>{6,8} <Content>` (a lazy group repeated) or a mask such as `(a+)+b` can take minutes on
/// one line that does not match, and a log line is not something the operator chooses. ICU reports progress each
/// time the search moves to its next start position and every 10,000 steps of one attempt; past
/// `progressBudget(for:)` reports the search stops, as the byte engine's does when its steps run out.
extension NSRegularExpression {
    /// Progress reports allowed on a text of `length` UTF-16 units: one per start position, and 16 + length / 16
    /// more, that is about 160,000 steps plus 625 per unit (the byte engine allows 4,096 plus 256 per byte).
    static func progressBudget(for length: Int) -> Int {
        length + 1 + 16 + length / 16
    }

    /// The first match in `text` within `range`, nil when there is none; `gaveUp` when the budget ran out first.
    func boundedFirstMatch(in text: String, range: NSRange) -> (match: NSTextCheckingResult?, gaveUp: Bool) {
        let budget = Self.progressBudget(for: range.length)
        var reports = 0
        var found: NSTextCheckingResult?
        var gaveUp = false
        enumerateMatches(in: text, options: [.reportProgress], range: range) { result, _, stop in
            if let result {
                found = result
                stop.pointee = true
                return
            }
            reports += 1
            if reports > budget {
                gaveUp = true
                stop.pointee = true
            }
        }
        return (found, gaveUp)
    }

    /// Every match in `text` replaced by `template` (taken literally), as `stringByReplacingMatches` does, until
    /// the budget runs out; the rest of the text is then left as it is.
    func boundedReplacingMatches(in text: String, with template: String) -> String {
        let ns = text as NSString
        let budget = Self.progressBudget(for: ns.length)
        var reports = 0
        var output = ""
        var copied = 0
        var changed = false
        enumerateMatches(in: text, options: [.reportProgress], range: NSRange(location: 0, length: ns.length)) {
            result, _, stop in
            guard let result else {
                reports += 1
                if reports > budget { stop.pointee = true }
                return
            }
            changed = true
            output += ns.substring(with: NSRange(location: copied, length: result.range.location - copied))
            output += template
            copied = result.range.location + result.range.length
        }
        return changed ? output + ns.substring(from: copied) : text
    }
}
