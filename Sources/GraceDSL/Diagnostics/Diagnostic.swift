/// How serious a diagnostic is. Errors make `grace validate` fail; warnings do so with `--warnings-as-errors`.
public enum Severity: String, Sendable, Codable, Comparable {
    case note
    case warning
    case error

    private var rank: Int {
        switch self {
        case .note: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A secondary location attached to a diagnostic ("first defined here").
public struct Note: Sendable, Hashable, Codable {
    public var message: String
    public var span: SourceSpan?

    public init(_ message: String, at span: SourceSpan? = nil) {
        self.message = message
        self.span = span
    }
}

/// An unambiguous change that fixes the diagnostic: replace the text of `span` with `replacement`.
public struct FixIt: Sendable, Hashable, Codable {
    public var message: String
    public var span: SourceSpan
    public var replacement: String

    public init(_ message: String, span: SourceSpan, replacement: String) {
        self.message = message
        self.span = span
        self.replacement = replacement
    }
}

/// One finding of the compiler: a stable code, a message, where, and what else to look at.
public struct Diagnostic: Sendable, Hashable, Codable {
    public var code: DiagnosticCode
    public var severity: Severity
    public var message: String
    public var span: SourceSpan
    public var notes: [Note]
    public var fixIts: [FixIt]

    public init(
        _ code: DiagnosticCode, _ message: String, at span: SourceSpan,
        severity: Severity? = nil, notes: [Note] = [], fixIts: [FixIt] = []
    ) {
        self.code = code
        self.severity = severity ?? code.defaultSeverity
        self.message = message
        self.span = span
        self.notes = notes
        self.fixIts = fixIts
    }
}

extension Diagnostic {
    /// Orders diagnostics by file, then position, then code, so output is stable.
    public static func sourceOrder(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        if a.span.file != b.span.file { return a.span.file < b.span.file }
        if a.span.start.offset != b.span.start.offset { return a.span.start.offset < b.span.start.offset }
        return a.code.rawValue < b.code.rawValue
    }
}
