import GraceDSL

/// A file's text as UTF-8 bytes cut into lines: the line-level operations repairs are made of (indentation,
/// ends of lines, tokens before a position). Offsets are byte offsets, as in `TextEdit`.
struct SourceText: Sendable {
    let path: String
    let bytes: [UInt8]
    /// Byte offset where each line starts.
    let lineStarts: [Int]

    init(_ file: SourceFile) {
        path = file.path
        bytes = Array(file.text.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        lineStarts = starts
    }

    var lineCount: Int { lineStarts.count }

    /// 0-based line holding `offset`.
    func line(containing offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// Bytes of line `line` without its line break.
    func range(ofLine line: Int) -> Range<Int> {
        let start = lineStarts[line]
        var end = line + 1 < lineStarts.count ? lineStarts[line + 1] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return start..<max(start, end)
    }

    /// Line `line` through its line break (for deleting whole lines).
    func fullRange(ofLine line: Int) -> Range<Int> {
        lineStarts[line]..<(line + 1 < lineStarts.count ? lineStarts[line + 1] : bytes.count)
    }

    func text(_ range: Range<Int>) -> String {
        let lower = min(max(0, range.lowerBound), bytes.count)
        let upper = min(max(lower, range.upperBound), bytes.count)
        return String(decoding: bytes[lower..<upper], as: UTF8.self)
    }

    func text(ofLine line: Int) -> String { text(range(ofLine: line)) }

    /// Bytes of leading spaces and tabs of `line`.
    func indentation(ofLine line: Int) -> Range<Int> {
        let r = range(ofLine: line)
        var end = r.lowerBound
        while end < r.upperBound, bytes[end] == UInt8(ascii: " ") || bytes[end] == UInt8(ascii: "\t") { end += 1 }
        return r.lowerBound..<end
    }

    /// Width of the leading spaces of `line` (nil when they hold a tab).
    func indentWidth(ofLine line: Int) -> Int? {
        let r = indentation(ofLine: line)
        return bytes[r].contains(UInt8(ascii: "\t")) ? nil : r.count
    }

    /// Whether `line` holds nothing but whitespace or a comment.
    func isBlankOrComment(_ line: Int) -> Bool {
        let r = range(ofLine: line)
        let content = indentation(ofLine: line).upperBound
        return content == r.upperBound || bytes[content] == UInt8(ascii: "#")
    }

    /// End of `line`'s content: before trailing whitespace and a trailing ` #` comment outside quotes.
    func contentEnd(ofLine line: Int) -> Int {
        let r = range(ofLine: line)
        var end = r.upperBound
        var quote: UInt8?
        var i = r.lowerBound
        while i < r.upperBound {
            let b = bytes[i]
            if let q = quote {
                if b == q { quote = nil }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                quote = b
            } else if b == UInt8(ascii: "#"), i == r.lowerBound || bytes[i - 1] == UInt8(ascii: " ") {
                end = i
                break
            }
            i += 1
        }
        while end > r.lowerBound, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") {
            end -= 1
        }
        return end
    }

    /// The nearest non-blank, non-comment line before `line`.
    func previousContentLine(before line: Int) -> Int? {
        var l = line - 1
        while l >= 0 {
            if !isBlankOrComment(l) { return l }
            l -= 1
        }
        return nil
    }

    /// The offset of 1-based `location` in this text.
    func offset(of location: SourceLocation) -> Int { min(max(0, location.offset), bytes.count) }
}
