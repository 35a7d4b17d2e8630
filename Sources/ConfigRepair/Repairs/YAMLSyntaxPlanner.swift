import GraceDSL

/// Repairs of YAML syntax errors (G001) that have one plausible reading: a collection or string left open, a
/// missing comma, a key without its colon, tab indentation and a key indented under the wrong parent. Every
/// applicable repair is proposed (most specific first); the gate keeps the one after which the file parses.
public struct YAMLSyntaxPlanner: RepairPlanner {
    public let name = "yaml-syntax"

    public init() {}

    public func proposals(for diagnostic: Diagnostic, in tree: CompiledTree) -> [ConfigChange] {
        guard diagnostic.code == .yamlSyntax, let source = tree.source(diagnostic.span.file) else { return [] }
        let at = source.offset(of: diagnostic.span.start)
        var result: [ConfigChange] = []
        result += unclosedCollection(diagnostic, source, at)
        result += unclosedString(diagnostic, source, at)
        result += missingComma(diagnostic, source, at)
        result += missingColon(diagnostic, source, at)
        if !diagnostic.message.contains("never closed") { result += openQuoteAbove(diagnostic, source, at) }
        result += TabIndentation.proposals(diagnostic, source, at)
        result += KeyIndentation.proposals(diagnostic, source, at)
        return result
    }

    /// `[a, b` / `{a: 1`: close it at the end of the line it opens on, or of a following, more indented line.
    private func unclosedCollection(_ d: Diagnostic, _ source: SourceText, _ at: Int) -> [ConfigChange] {
        guard d.message.contains("is never closed"), at < source.bytes.count else { return [] }
        let close: String
        switch source.bytes[at] {
        case UInt8(ascii: "["): close = "]"
        case UInt8(ascii: "{"): close = "}"
        default: return []
        }
        let first = source.line(containing: at)
        let indent = source.indentWidth(ofLine: first) ?? 0
        var lines = [first]
        var line = first + 1
        while line < source.lineCount, lines.count < 8 {
            if !source.isBlankOrComment(line) {
                guard let w = source.indentWidth(ofLine: line), w > indent else { break }
                lines.append(line)
            }
            line += 1
        }
        return lines.map { line in
            let end = source.contentEnd(ofLine: line)
            return change(
                d, source, [TextEdit(file: source.path, range: end..<end, replacement: close)],
                "close the `\(source.text(at..<at + 1))` opened at line \(first + 1) with `\(close)` at the end of "
                    + "line \(line + 1)")
        }
    }

    /// A `"` left open on an earlier line makes libyaml read on to the next `"`, lines later, and fail there:
    /// the nearest lines above the error with an odd number of double quotes are closed at their end.
    private func openQuoteAbove(_ d: Diagnostic, _ source: SourceText, _ at: Int) -> [ConfigChange] {
        var result: [ConfigChange] = []
        var line = source.line(containing: at)
        while line >= 0, result.count < 2, source.line(containing: at) - line < 40 {
            let r = source.range(ofLine: line)
            if source.text(r).hasPrefix("---") { break }
            var count = 0
            var i = r.lowerBound
            while i < r.upperBound {
                if source.bytes[i] == UInt8(ascii: "\\") {
                    i += 2
                    continue
                }
                if source.bytes[i] == UInt8(ascii: "#"), count % 2 == 0,
                    i == r.lowerBound || source.bytes[i - 1] == UInt8(ascii: " ")
                {
                    break
                }
                if source.bytes[i] == UInt8(ascii: "\"") { count += 1 }
                i += 1
            }
            if count % 2 == 1 {
                let end = source.contentEnd(ofLine: line)
                result.append(
                    change(
                        d, source, [TextEdit(file: source.path, range: end..<end, replacement: "\"")],
                        "close the string left open on line \(line + 1) with `\"` at the end of the line"))
            }
            line -= 1
        }
        return result
    }

    /// `"text`: close the string at the end of its line.
    private func unclosedString(_ d: Diagnostic, _ source: SourceText, _ at: Int) -> [ConfigChange] {
        guard d.message.contains("string is never closed"), at < source.bytes.count else { return [] }
        let quote = source.bytes[at]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return [] }
        let line = source.line(containing: at)
        let end = source.contentEnd(ofLine: line)
        guard end > at + 1 else { return [] }
        let q = quote == UInt8(ascii: "\"") ? "\"" : "'"
        return [
            change(
                d, source, [TextEdit(file: source.path, range: end..<end, replacement: q)],
                "close the string opened at line \(line + 1) with `\(q)` at the end of the line")
        ]
    }

    /// `[a "b"]`: the parser stops at `"b"`; a comma goes right after `a`.
    private func missingComma(_ d: Diagnostic, _ source: SourceText, _ at: Int) -> [ConfigChange] {
        guard d.message.contains("did not find expected ','"), at > 0, at <= source.bytes.count else { return [] }
        var p = at
        while p > 0, source.bytes[p - 1] == UInt8(ascii: " ") { p -= 1 }
        guard p < at, p > 0, ![UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "{")].contains(source.bytes[p - 1])
        else { return [] }
        return [
            change(
                d, source, [TextEdit(file: source.path, range: p..<p, replacement: ",")],
                "insert the missing `,` before `\(token(source, at))`")
        ]
    }

    /// `command [x]`: a key without its colon. libyaml reports it at the key, or (when what follows is a flow
    /// collection) inside that line; the line itself and the one before are tried.
    private func missingColon(_ d: Diagnostic, _ source: SourceText, _ at: Int) -> [ConfigChange] {
        let line = source.line(containing: at)
        var lines = [line]
        if let previous = source.previousContentLine(before: line) { lines.append(previous) }
        return lines.compactMap { missingColon(d, source, line: $0) }
    }

    private func missingColon(_ d: Diagnostic, _ source: SourceText, line: Int) -> ConfigChange? {
        let r = source.range(ofLine: line)
        var start = source.indentation(ofLine: line).upperBound
        if start + 1 < r.upperBound, source.bytes[start] == UInt8(ascii: "-"),
            source.bytes[start + 1] == UInt8(ascii: " ")
        {
            start += 2
        }
        var end = start
        while end < r.upperBound, Self.isKeyByte(source.bytes[end]) { end += 1 }
        guard end > start, start < r.upperBound, Self.isLetter(source.bytes[start]) else { return nil }
        // `key value` on one line, or `key` alone when the parser says a key lacks its colon.
        let rest = source.text(end..<r.upperBound)
        let alone = rest.isEmpty && d.message.contains("could not find expected ':'")
        let spaced = rest.hasPrefix(" ") && (!rest.contains(": ") || Self.opensFlow(source, end, r))
        guard alone || spaced else { return nil }
        let key = source.text(start..<end)
        return change(
            d, source, [TextEdit(file: source.path, range: end..<end, replacement: ":")],
            "add the missing `:` after the key `\(key)`")
    }

    private static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }

    /// Whether the value after `key ` is a flow collection (`key {a: 1}`), whose own `: ` do not count.
    private static func opensFlow(_ source: SourceText, _ end: Int, _ r: Range<Int>) -> Bool {
        var p = end
        while p < r.upperBound, source.bytes[p] == UInt8(ascii: " ") { p += 1 }
        return p < r.upperBound && (source.bytes[p] == UInt8(ascii: "{") || source.bytes[p] == UInt8(ascii: "["))
    }

    static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
            || b == UInt8(ascii: ".")
    }

    private func token(_ source: SourceText, _ at: Int) -> String {
        var end = at
        let r = source.range(ofLine: source.line(containing: at))
        while end < r.upperBound, end - at < 24,
            ![UInt8(ascii: " "), UInt8(ascii: ","), UInt8(ascii: "]")].contains(source.bytes[end])
        {
            end += 1
        }
        return source.text(at..<end)
    }
}

/// A `ConfigChange` of `.repair` origin for `diagnostic`, its summary naming the code.
func change(_ d: Diagnostic, _ source: SourceText, _ edits: [TextEdit], _ what: String) -> ConfigChange {
    ConfigChange(
        edits: edits, summary: "\(what) (\(d.code.rawValue) \(d.code.title): \(d.message))", origin: .repair,
        fixes: [d.code.rawValue])
}
