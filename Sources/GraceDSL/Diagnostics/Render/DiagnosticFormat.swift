/// The output formats `grace validate --format` offers; each has a renderer in this folder.
public enum DiagnosticFormat: String, CaseIterable, Sendable {
    /// Compiler-style text with source snippets and carets (`TextDiagnosticRenderer`).
    case text
    /// A stable JSON document for scripts and editors (`JSONDiagnosticRenderer`).
    case json
    /// JUnit XML with one test case per validated file, for CI test reports (`JUnitDiagnosticRenderer`).
    case junit
    /// SARIF 2.1.0 for code-scanning tools (`SARIFDiagnosticRenderer`).
    case sarif
}
