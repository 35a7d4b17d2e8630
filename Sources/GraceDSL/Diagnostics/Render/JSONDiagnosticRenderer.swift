/// Renders diagnostics as one JSON document for scripts and editors:
///
/// ```
/// {"version": 1, "diagnostics": [{"code", "title", "severity", "message", "file", "start", "end", "notes",
///  "fixits"}], "summary": {"errors", "warnings"}}
/// ```
///
/// Locations are `{"line", "column", "offset"}` (1-based line and column in Unicode scalars, 0-based byte
/// offset). Keys are sorted and the output is pretty-printed without a trailing newline. `version` changes only
/// when a field changes meaning or disappears.
public struct JSONDiagnosticRenderer: Sendable {
    public init() {}

    /// `sources` is unused: the document carries locations, not snippets. It is accepted so that every renderer
    /// is called the same way.
    public func render(_ diagnostics: [Diagnostic], sources: [String: String]) -> String {
        let counts = DiagnosticCounts(diagnostics)
        let report = Report(
            version: 1,
            diagnostics: diagnostics.map(Entry.init),
            summary: Summary(errors: counts.errors, warnings: counts.warnings)
        )
        return JSONOutput.string(report)
    }

    private struct Report: Encodable {
        var version: Int
        var diagnostics: [Entry]
        var summary: Summary
    }

    private struct Summary: Encodable {
        var errors: Int
        var warnings: Int
    }

    private struct Entry: Encodable {
        var code: String
        var title: String
        var severity: String
        var message: String
        var file: String
        var start: SourceLocation
        var end: SourceLocation
        var notes: [NoteEntry]
        var fixits: [FixItEntry]

        init(_ diagnostic: Diagnostic) {
            code = diagnostic.code.rawValue
            title = diagnostic.code.title
            severity = diagnostic.severity.rawValue
            message = diagnostic.message
            file = diagnostic.span.file
            start = diagnostic.span.start
            end = diagnostic.span.end
            notes = diagnostic.notes.map(NoteEntry.init)
            fixits = diagnostic.fixIts.map(FixItEntry.init)
        }
    }

    /// A note; `file`, `start` and `end` are absent when the note points nowhere.
    private struct NoteEntry: Encodable {
        var message: String
        var file: String?
        var start: SourceLocation?
        var end: SourceLocation?

        init(_ note: Note) {
            message = note.message
            file = note.span?.file
            start = note.span?.start
            end = note.span?.end
        }
    }

    private struct FixItEntry: Encodable {
        var message: String
        var replacement: String
        var file: String
        var start: SourceLocation
        var end: SourceLocation

        init(_ fixIt: FixIt) {
            message = fixIt.message
            replacement = fixIt.replacement
            file = fixIt.span.file
            start = fixIt.span.start
            end = fixIt.span.end
        }
    }
}
