/// Renders diagnostics the way swiftc and rustc do: a located header, the source line with carets under the span,
/// notes (located ones with their own snippet) and fix-its, and a closing summary line.
///
/// ```
/// config/kernels.yaml:7:3: error[G106]: unknown key `timout` in health; did you mean `timeout`?
///     |
///   7 |   timout: 1s
///     |   ^~~~~~
///   = fix-it: replace with `timeout`
///
/// 1 error
/// ```
///
/// Diagnostics are rendered in the order given and separated by blank lines; the result has no trailing newline.
/// A file missing from `sources` (or a line past its end) simply gets no snippet.
public struct TextDiagnosticRenderer: Sendable {
    /// Whether to emit ANSI colors; callers decide (a terminal, `NO_COLOR`, `--color`), the renderer never looks.
    public var color: Bool

    public init(color: Bool) {
        self.color = color
    }

    /// All diagnostics followed by the summary line ("2 errors, 1 warning", or "no problems").
    public func render(_ diagnostics: [Diagnostic], sources: [String: String]) -> String {
        let texts = SourceLineIndex.catalog(for: diagnostics, sources: sources)
        var blocks = diagnostics.map { lines(for: $0, texts: texts).joined(separator: "\n") }
        blocks.append(paint(DiagnosticCounts(diagnostics).summary, .bold))
        return blocks.joined(separator: "\n\n")
    }

    /// One diagnostic with its snippet, notes and fix-its, without a summary line.
    public func render(_ diagnostic: Diagnostic, sources: [String: String]) -> String {
        lines(for: diagnostic, texts: SourceLineIndex.catalog(for: [diagnostic], sources: sources))
            .joined(separator: "\n")
    }

    func lines(for diagnostic: Diagnostic, texts: [String: SourceLineIndex]) -> [String] {
        let shownLines = ([diagnostic.span] + diagnostic.notes.compactMap(\.span))
            .filter { texts[$0.file]?.line($0.start.line) != nil }
            .map(\.start.line)
        let gutterWidth = max(3, String(shownLines.max() ?? 0).count)

        let label = "\(diagnostic.severity.rawValue)[\(diagnostic.code.rawValue)]"
        var lines = [header(at: diagnostic.span, label: label, severity: diagnostic.severity, diagnostic.message)]
        lines += snippet(for: diagnostic.span, in: texts[diagnostic.span.file], gutterWidth: gutterWidth)
        for note in diagnostic.notes {
            if let span = note.span {
                lines.append(header(at: span, label: "note", severity: .note, note.message))
                lines += snippet(for: span, in: texts[span.file], gutterWidth: gutterWidth)
            } else {
                lines.append("  = \(paint("note", .cyan)): \(note.message)")
            }
        }
        for fixIt in diagnostic.fixIts {
            lines.append("  = \(paint("fix-it", .bold)): \(fixIt.message)")
        }
        return lines
    }

    private func header(at span: SourceSpan, label: String, severity: Severity, _ message: String) -> String {
        let location = "\(span.file):\(span.start.line):\(span.start.column):"
        return "\(paint(location, .bold)) \(paint(label, style(for: severity))): \(paint(message, .bold))"
    }

    /// The gutter, the quoted line and the caret line, e.g. `  7 |   timout: 1s` over `    |   ^~~~~~`.
    ///
    /// The carets run from the start column to the end column on the start line; a zero-width span gets a single
    /// `^` and a span that continues on later lines is marked to the end of its first line. Tabs become single
    /// spaces in both lines so that the carets stay under the text whatever the terminal's tab stops.
    private func snippet(for span: SourceSpan, in text: SourceLineIndex?, gutterWidth: Int) -> [String] {
        guard let scalars = text?.line(span.start.line) else { return [] }
        var line = String.UnicodeScalarView()
        line.append(contentsOf: scalars.map { $0 == "\t" ? " " : $0 })
        let length = scalars.count

        let startIndex = min(max(span.start.column - 1, 0), length)
        let width: Int
        if span.end.line == span.start.line, span.end.column > span.start.column {
            width = max(1, min(span.end.column - span.start.column, length - startIndex))
        } else if span.end.line > span.start.line {
            width = max(1, length - startIndex)
        } else {
            width = 1
        }
        let carets = "^" + String(repeating: "~", count: width - 1)

        let blankGutter = String(repeating: " ", count: gutterWidth) + " |"
        let number = String(span.start.line)
        let numberGutter = String(repeating: " ", count: gutterWidth - number.count) + number + " |"
        let quoted = line.isEmpty ? numberGutter : numberGutter + " " + String(line)
        let caretLine = blankGutter + " " + String(repeating: " ", count: startIndex) + paint(carets, .green)
        return [blankGutter, quoted, caretLine]
    }

    private func paint(_ text: String, _ style: Style) -> String {
        color ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    private func style(for severity: Severity) -> Style {
        switch severity {
        case .error: .red
        case .warning: .yellow
        case .note: .cyan
        }
    }

    /// ANSI SGR parameters for the few styles the renderer uses.
    private enum Style: String {
        case bold = "1"
        case red = "1;31"
        case yellow = "1;33"
        case cyan = "1;36"
        case green = "1;32"
    }
}
