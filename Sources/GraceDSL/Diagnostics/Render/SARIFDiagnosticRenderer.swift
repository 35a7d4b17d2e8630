import Foundation

/// Renders diagnostics as a SARIF 2.1.0 log for code-scanning tools (GitHub code scanning, IDE viewers).
///
/// Every `DiagnosticCode` is a rule, in `DiagnosticCode.allCases` order, so `ruleIndex` is stable within a
/// release. Notes with a span become related locations; notes without one are appended to the result's message
/// as "note: ..." lines, which is where viewers show them. Each fix-it becomes one fix with one replacement.
/// Keys are sorted and the output is pretty-printed without a trailing newline.
public struct SARIFDiagnosticRenderer: Sendable {
    public var toolVersion: String
    public var informationURI: String

    public init(toolVersion: String, informationURI: String = "https://github.com/grace/grace") {
        self.toolVersion = toolVersion
        self.informationURI = informationURI
    }

    /// `sources` supplies character offsets (`charOffset`, `charLength`); without a file's text its regions carry
    /// lines, columns and byte offsets only.
    public func render(_ diagnostics: [Diagnostic], sources: [String: String]) -> String {
        JSONOutput.string(log(diagnostics, sources: sources))
    }

    func log(_ diagnostics: [Diagnostic], sources: [String: String]) -> SARIFLog {
        let texts = SourceLineIndex.catalog(for: diagnostics, sources: sources)
        let rules = DiagnosticCode.allCases.map { code in
            SARIFLog.Rule(
                id: code.rawValue,
                name: code.title,
                shortDescription: SARIFLog.Message(text: Self.describe(code)),
                defaultConfiguration: SARIFLog.Configuration(level: code.defaultSeverity.rawValue),
                helpUri: "docs/diagnostics.md#\(code.rawValue.lowercased())-\(code.title)"
            )
        }
        let ruleIndex = Dictionary(uniqueKeysWithValues: DiagnosticCode.allCases.enumerated().map { ($1, $0) })
        let driver = SARIFLog.Driver(name: "grace", version: toolVersion, informationUri: informationURI, rules: rules)
        let results = diagnostics.map { result(for: $0, ruleIndex: ruleIndex[$0.code] ?? 0, texts: texts) }
        let run = SARIFLog.Run(tool: SARIFLog.Tool(driver: driver), columnKind: "unicodeCodePoints", results: results)
        return SARIFLog(runs: [run])
    }

    private func result(
        for diagnostic: Diagnostic, ruleIndex: Int, texts: [String: SourceLineIndex]
    ) -> SARIFLog.Result {
        let unlocatedNotes = diagnostic.notes.filter { $0.span == nil }.map { "note: \($0.message)" }
        let message = ([diagnostic.message] + unlocatedNotes).joined(separator: "\n")

        let related = diagnostic.notes.filter { $0.span != nil }
            .enumerated()
            .compactMap { index, note in
                note.span.map { span in
                    SARIFLog.Location(
                        id: index,
                        message: SARIFLog.Message(text: note.message),
                        physicalLocation: physicalLocation(span, texts: texts)
                    )
                }
            }
        let fixes = diagnostic.fixIts.map { fixIt in
            SARIFLog.Fix(
                description: SARIFLog.Message(text: fixIt.message),
                artifactChanges: [
                    SARIFLog.ArtifactChange(
                        artifactLocation: SARIFLog.ArtifactLocation(uri: Self.uri(fixIt.span.file)),
                        replacements: [
                            SARIFLog.Replacement(
                                deletedRegion: region(fixIt.span, texts: texts),
                                insertedContent: SARIFLog.ArtifactContent(text: fixIt.replacement)
                            )
                        ]
                    )
                ]
            )
        }

        return SARIFLog.Result(
            ruleId: diagnostic.code.rawValue,
            ruleIndex: ruleIndex,
            level: diagnostic.severity.rawValue,
            message: SARIFLog.Message(text: message),
            locations: [SARIFLog.Location(physicalLocation: physicalLocation(diagnostic.span, texts: texts))],
            relatedLocations: related.isEmpty ? nil : related,
            fixes: fixes.isEmpty ? nil : fixes
        )
    }

    private func physicalLocation(_ span: SourceSpan, texts: [String: SourceLineIndex]) -> SARIFLog.PhysicalLocation {
        SARIFLog.PhysicalLocation(
            artifactLocation: SARIFLog.ArtifactLocation(uri: Self.uri(span.file)),
            region: region(span, texts: texts)
        )
    }

    private func region(_ span: SourceSpan, texts: [String: SourceLineIndex]) -> SARIFLog.Region {
        var charOffset: Int?
        var charLength: Int?
        if let text = texts[span.file], let start = text.scalarOffset(ofByte: span.start.offset),
            let end = text.scalarOffset(ofByte: span.end.offset)
        {
            charOffset = start
            charLength = max(0, end - start)
        }
        return SARIFLog.Region(
            startLine: span.start.line,
            startColumn: span.start.column,
            endLine: span.end.line,
            endColumn: span.end.column,
            charOffset: charOffset,
            charLength: charLength,
            byteOffset: span.start.offset,
            byteLength: max(0, span.end.offset - span.start.offset)
        )
    }

    /// A relative path stays a relative URI reference (percent-encoded); an absolute one becomes a `file://` URI.
    static func uri(_ path: String) -> String {
        let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        return path.hasPrefix("/") ? "file://" + encoded : encoded
    }

    /// "unknown-key" -> "Unknown key".
    private static func describe(_ code: DiagnosticCode) -> String {
        let words = code.title.replacingOccurrences(of: "-", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}
