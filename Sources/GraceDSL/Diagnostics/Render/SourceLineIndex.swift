/// The text of one source file, split into lines once so that renderers can quote the line a span points at
/// and convert byte offsets into the character offsets some formats want.
///
/// Lines are split on "\n" only, with a trailing "\r" dropped; columns count Unicode scalars, as
/// `SourceLocation` does.
struct SourceLineIndex: Sendable {
    private let text: String
    private let lines: [Substring.UnicodeScalarView]

    init(_ text: String) {
        self.text = text
        lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The texts of every file a diagnostic, or one of its notes or fix-its, points into; files without source
    /// text are absent.
    static func catalog(for diagnostics: [Diagnostic], sources: [String: String]) -> [String: SourceLineIndex] {
        var catalog: [String: SourceLineIndex] = [:]
        for diagnostic in diagnostics {
            let files =
                [diagnostic.span.file] + diagnostic.notes.compactMap(\.span?.file)
                + diagnostic.fixIts.map(\.span.file)
            for file in files where catalog[file] == nil {
                if let text = sources[file] { catalog[file] = SourceLineIndex(text) }
            }
        }
        return catalog
    }

    /// The scalars of the 1-based line `number`, without its line terminator; nil past the end of the file.
    func line(_ number: Int) -> Substring.UnicodeScalarView? {
        guard number >= 1, number <= lines.count else { return nil }
        let line = lines[number - 1]
        return line.last == "\r" ? line.dropLast() : line
    }

    /// The number of Unicode scalars before the 0-based byte `offset`; nil when the offset is outside the file.
    /// An offset inside a multi-byte scalar counts that scalar as not yet reached.
    func scalarOffset(ofByte offset: Int) -> Int? {
        let utf8 = text.utf8
        guard offset >= 0, offset <= utf8.count else { return nil }
        return utf8.prefix(offset).reduce(0) { count, byte in byte & 0xC0 == 0x80 ? count : count + 1 }
    }
}
