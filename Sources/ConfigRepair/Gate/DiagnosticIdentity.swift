import GraceDSL

/// What a diagnostic is, independently of where an edit moved it: its code, message, severity, file and the
/// document it is in. Two compilations of a tree before and after a change are compared by these.
public struct DiagnosticIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    public var code: DiagnosticCode
    public var severity: Severity
    public var message: String
    public var file: String
    /// `kind/name` of the enclosing document as written, nil outside any parsed document.
    public var document: String?

    /// The identity of `diagnostic`, found in a document `document`.
    public init(_ diagnostic: Diagnostic, document: String?) {
        code = diagnostic.code
        severity = diagnostic.severity
        message = diagnostic.message
        file = diagnostic.span.file
        self.document = document
    }

    /// `file (kind/name): G106 message`.
    public var description: String {
        "\(file)\(document.map { " (\($0))" } ?? ""): \(code.rawValue) \(message)"
    }
}
