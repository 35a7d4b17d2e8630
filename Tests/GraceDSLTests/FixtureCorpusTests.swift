import Foundation
import Testing

@testable import GraceDSL

/// The golden corpus: every invalid fixture yields exactly its documented diagnostic, at its line and column;
/// every valid fixture compiles clean.
@Suite("Fixture corpus")
struct FixtureCorpusTests {
    @Test("the invalid corpus is large and covers every code", .tags(.corpus))
    func corpusCoversCodes() {
        let files = Fixtures.invalid
        #expect(files.count >= 60)
        let codes = Set(
            files.compactMap {
                Fixtures.expectation(of: Fixtures.read(Fixtures.invalidDirectory.appendingPathComponent($0)))?.code
            })
        // G006 (16 MiB file), G007 (unreadable file) and G117 (whole-root only) are tested separately.
        let exempt: Set<String> = ["G006", "G007", "G117"]
        let missing = DiagnosticCode.allCases.map(\.rawValue).filter { !codes.contains($0) && !exempt.contains($0) }
        #expect(missing.isEmpty, "codes without a fixture: \(missing)")
    }

    @Test("invalid fixture reports its documented code at its position", arguments: Fixtures.invalid)
    func invalidFixture(_ name: String) throws {
        let text = Fixtures.read(Fixtures.invalidDirectory.appendingPathComponent(name))
        let expected = try #require(Fixtures.expectation(of: text), "\(name) has no `# expect:` line")
        let result = Fixtures.compile(text, path: name)
        let got = result.diagnostics.map { "\($0.code.rawValue)@\($0.span.start.line):\($0.span.start.column)" }
        #expect(result.diagnostics.count == 1, "\(name): expected exactly one diagnostic, got \(got)")
        let first = try #require(result.diagnostics.first)
        #expect(first.code.rawValue == expected.code)
        if let line = expected.line { #expect(first.span.start.line == line, "\(name): \(got)") }
        if let column = expected.column { #expect(first.span.start.column == column, "\(name): \(got)") }
        #expect(first.span.file == name)
        if first.severity == .error { #expect(result.graph == nil) }
    }

    @Test("valid fixture compiles clean into a graph", arguments: Fixtures.valid)
    func validFixture(_ name: String) throws {
        let text = Fixtures.read(Fixtures.validDirectory.appendingPathComponent(name))
        let result = Fixtures.compile(text, path: name)
        #expect(
            result.diagnostics.isEmpty,
            "\(result.diagnostics.map { "\($0.code.rawValue) \($0.span.start.line):\($0.span.start.column) \($0.message)" })"
        )
        #expect(result.graph != nil)
    }

    @Test("inputs the fuzzer once crashed on compile without crashing", arguments: Fixtures.fuzzRegressions)
    func fuzzRegression(_ name: String) {
        let text = Fixtures.read(Fixtures.fuzzDirectory.appendingPathComponent(name))
        let result = Fixtures.compile(text, path: name, checkExecutables: false)
        _ = TextDiagnosticRenderer(color: false).render(result.diagnostics, sources: [name: text])
    }
}

extension Tag {
    @Tag static var corpus: Self
}
