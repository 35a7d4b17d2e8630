/// How many diagnostics of each severity a run produced, and the summary line that says so.
struct DiagnosticCounts: Sendable, Hashable {
    var errors = 0
    var warnings = 0
    var notes = 0

    init(_ diagnostics: some Sequence<Diagnostic>) {
        for diagnostic in diagnostics {
            switch diagnostic.severity {
            case .error: errors += 1
            case .warning: warnings += 1
            case .note: notes += 1
            }
        }
    }

    /// "2 errors, 1 warning"; severities that did not occur are left out, and nothing at all is "no problems".
    var summary: String {
        let parts = [(errors, "error"), (warnings, "warning"), (notes, "note")]
            .filter { count, _ in count > 0 }
            .map { count, noun in "\(count) \(noun)\(count == 1 ? "" : "s")" }
        return parts.isEmpty ? "no problems" : parts.joined(separator: ", ")
    }
}
