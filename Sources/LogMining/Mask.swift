import Foundation

/// One mask: a regular expression, run by `BytePattern` on ASCII text when the pattern is in its subset, by
/// NSRegularExpression otherwise.
struct Mask: @unchecked Sendable {
    // NSRegularExpression is immutable and thread-safe; it is just not marked Sendable.
    let regex: NSRegularExpression
    let fast: BytePattern?

    init(_ pattern: String) throws {
        do {
            // Masks are often written for Python (logpai's settings): ICU spells its named groups `(?<name>`.
            // Only `\n` ends a line for `.` and `$`, as in Python and in `BytePattern` (see `LogFormat.pythonLines`).
            regex = try NSRegularExpression(
                pattern: pattern.replacingOccurrences(of: "(?P<", with: "(?<"), options: LogFormat.pythonLines)
        } catch {
            throw LogMiningError.invalidMask(pattern: pattern, reason: "not a valid regular expression")
        }
        fast = BytePattern(pattern)
    }

    func replace(in text: String) -> String {
        if fast != nil, let replaced = fastReplace(in: text) { return replaced }
        return slowReplace(in: text)
    }

    func slowReplace(in text: String) -> String {
        regex.boundedReplacingMatches(in: text, with: "<*>")
    }

    /// Every maximal run of `set` replaced by `<*>`: what `S+` matches, leftmost and longest, without the engine.
    static func replaceRuns(of set: ByteSet, in buffer: UnsafeBufferPointer<UInt8>, unchanged: String) -> String {
        var output: [UInt8] = []
        var changed = false
        var index = 0
        var copied = 0
        let count = buffer.count
        while index < count {
            guard set.contains(buffer[index]) else {
                index += 1
                continue
            }
            if !changed {
                output.reserveCapacity(count + 16)
                changed = true
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[copied..<index]))
            output.append(0x3C)  // <*>
            output.append(0x2A)
            output.append(0x3E)
            while index < count, set.contains(buffer[index]) { index += 1 }
            copied = index
        }
        guard changed else { return unchanged }
        if copied < count { output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[copied...])) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Nil when the text is not ASCII. When the pattern needs more steps than a mask should, what was found so
    /// far is replaced and the rest left.
    func fastReplace(in text: String) -> String? {
        guard let fast else { return nil }
        var text = text
        let unchanged = text
        return text.withUTF8 { buffer -> String? in
            let count = buffer.count
            for byte in buffer where byte >= 0x80 { return nil }
            if let run = fast.runOf { return Self.replaceRuns(of: run, in: buffer, unchanged: unchanged) }
            var captures: [Int] = []
            var stack: [BytePattern.Backtrack] = []
            var budget = 4_096 + 256 * count
            var output: [UInt8] = []
            var changed = false
            var copied = 0
            var position = 0
            search: while position <= count {
                switch fast.firstMatch(
                    in: buffer, from: position, captures: &captures, budget: &budget, stack: &stack)
                {
                case .noMatch:
                    break search
                case .gaveUp:
                    // A pattern that backtracks without end on this line (`(a+)+b`): ICU would too, with no time
                    // limit. The rest of the line stays as it is; mining must not stall on one line.
                    break search
                case .match(let range):
                    if !changed {
                        output.reserveCapacity(count + 16)
                        changed = true
                    }
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[copied..<range.lowerBound]))
                    output.append(0x3C)  // <*>
                    output.append(0x2A)
                    output.append(0x3E)
                    copied = range.upperBound
                    if range.isEmpty {
                        // An empty match: keep the next byte and look again after it, as ICU and Python do.
                        if range.lowerBound < count { output.append(buffer[range.lowerBound]) }
                        copied = range.lowerBound + 1
                        position = range.lowerBound + 1
                    } else {
                        position = range.upperBound
                    }
                }
            }
            guard changed else { return unchanged }
            if copied < count { output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[copied...])) }
            return String(decoding: output, as: UTF8.self)
        }
    }
}
