import GraceDSL

/// A key indented under the wrong parent (`env:` written at the depth of the `command:` list above it): the key
/// and its block move to the depth of a preceding key, the nearest first.
enum KeyIndentation {
    static func proposals(_ d: Diagnostic, _ source: SourceText, _ at: Int) -> [ConfigChange] {
        let line = source.line(containing: at)
        guard let width = source.indentWidth(ofLine: line), isKeyLine(source, line) else { return [] }
        // The block the key owns: the following lines indented deeper than it.
        var last = line
        var next = line + 1
        while next < source.lineCount {
            if !source.isBlankOrComment(next) {
                guard let w = source.indentWidth(ofLine: next), w > width else { break }
                last = next
            }
            next += 1
        }
        var depths: [Int] = []
        var l = line - 1
        while l >= 0, depths.count < 4 {
            if !source.isBlankOrComment(l), isKeyLine(source, l), let w = source.indentWidth(ofLine: l), w != width,
                !depths.contains(w)
            {
                depths.append(w)
                if w == 0 { break }
            }
            l -= 1
        }
        return depths.map { depth in
            var edits: [TextEdit] = []
            for moved in line...last where !source.isBlankOrComment(moved) {
                let indentation = source.indentation(ofLine: moved)
                let newWidth = max(0, indentation.count - width + depth)
                edits.append(
                    TextEdit(
                        file: source.path, range: indentation, replacement: String(repeating: " ", count: newWidth)))
            }
            let key = source.text(source.indentation(ofLine: line).upperBound..<source.contentEnd(ofLine: line))
            let shown = key.prefix { $0 != ":" }
            return change(
                d, source, edits,
                "indent the key `\(shown)` (line \(line + 1)) by \(depth) spaces instead of \(width), as the key "
                    + "above it at that depth")
        }
    }

    /// A block mapping key (`name:` or `name: value`), not a list item or flow content.
    private static func isKeyLine(_ source: SourceText, _ line: Int) -> Bool {
        let r = source.range(ofLine: line)
        var p = source.indentation(ofLine: line).upperBound
        let start = p
        while p < r.upperBound, YAMLSyntaxPlanner.isKeyByte(source.bytes[p]) { p += 1 }
        return p > start && p < r.upperBound && source.bytes[p] == UInt8(ascii: ":")
            && (p + 1 == r.upperBound || source.bytes[p + 1] == UInt8(ascii: " "))
    }
}
