/// Collects the diagnostics of one compilation. Owned by a single compile call, never shared across tasks.
public final class DiagnosticSink {
    public private(set) var diagnostics: [Diagnostic] = []

    public init() {}

    public func emit(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    public func emit(
        _ code: DiagnosticCode, _ message: String, at span: SourceSpan, notes: [Note] = [], fixIts: [FixIt] = []
    ) {
        diagnostics.append(Diagnostic(code, message, at: span, notes: notes, fixIts: fixIts))
    }

    public func append(contentsOf more: [Diagnostic]) {
        diagnostics.append(contentsOf: more)
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
