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
        var codes = Set(
            files.compactMap {
                Fixtures.expectation(of: Fixtures.read(Fixtures.invalidDirectory.appendingPathComponent($0)))?.code
            })
        for set in Fixtures.invalidSets {
            codes.formUnion(Fixtures.readSet(set).compactMap { Fixtures.expectation(of: $0.text)?.code })
        }
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

    /// A multi-file fixture is a folder of files compiled together, as `grace validate` compiles a configuration
    /// root; each file's first line says what that file must report (`# expect: G001 12:12` or `# expect: clean`).
    @Test(
        "multi-file fixture reports each file's documented diagnostic and nothing else", arguments: Fixtures.invalidSets
    )
    func invalidFixtureSet(_ name: String) throws {
        let files = Fixtures.readSet(name)
        #expect(files.count >= 2, "\(name): a multi-file fixture has several files")
        let result = Compiler(options: CompilerOptions(root: Fixtures.repository.path)).compile(files)
        for file in files {
            let expected = try #require(Fixtures.expectation(of: file.text), "\(name)/\(file.path) has no `# expect:`")
            let got = result.diagnostics.filter { $0.span.file == file.path }
            let shown = got.map { "\($0.code.rawValue)@\($0.span.start.line):\($0.span.start.column)" }
            guard let code = expected.code else {
                #expect(got.isEmpty, "\(name)/\(file.path): expected no diagnostics, got \(shown)")
                continue
            }
            #expect(got.count == 1, "\(name)/\(file.path): expected exactly one diagnostic, got \(shown)")
            let first = try #require(got.first)
            #expect(first.code.rawValue == code)
            if let line = expected.line { #expect(first.span.start.line == line, "\(name)/\(file.path): \(shown)") }
            if let column = expected.column {
                #expect(first.span.start.column == column, "\(name)/\(file.path): \(shown)")
            }
        }
        #expect(result.diagnostics.allSatisfy { d in files.contains { $0.path == d.span.file } })
        if result.errorCount > 0 { #expect(result.graph == nil) }
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
