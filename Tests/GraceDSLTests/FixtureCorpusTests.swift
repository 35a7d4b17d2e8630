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
        #expect(Fixtures.valid.count >= 6, "the valid fixtures are where the parameterized test looks")
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

    @Test(
        "what the fuzzer starts from or once crashed on compiles without crashing, every span inside the input",
        arguments: Fixtures.fuzzInputs)
    func fuzzInput(_ path: String) {
        // As the fuzz target does (Fuzz/Sources/GraceFuzz): one file, no executables check, both renderers, and
        // the invariant the renderers rely on, that a span lies inside its input and runs forward.
        // Decoded as the harness decodes libFuzzer's bytes (invalid UTF-8 becomes U+FFFD): a crasher is often not
        // valid UTF-8, and String(contentsOf:encoding:) would refuse it and leave nothing to compile.
        let data = (try? Data(contentsOf: Fixtures.repository.appendingPathComponent(path))) ?? Data()
        #expect(!data.isEmpty, "\(path) is empty or unreadable")
        let text = String(decoding: data, as: UTF8.self)
        let name = "fuzz.yaml"
        let result = Fixtures.compile(text, path: name, checkExecutables: false)
        let rendered = TextDiagnosticRenderer(color: false).render(result.diagnostics, sources: [name: text])
        _ = JSONDiagnosticRenderer().render(result.diagnostics, sources: [name: text])
        #expect(result.diagnostics.isEmpty || !rendered.isEmpty)
        let length = text.utf8.count
        for diagnostic in result.diagnostics where diagnostic.span.file == name {
            let span = diagnostic.span
            #expect(
                0 <= span.start.offset && span.start.offset <= span.end.offset && span.end.offset <= length
                    && span.start.line >= 1 && span.start.column >= 1,
                "\(diagnostic.code.rawValue) \(diagnostic.message) at [\(span.start.offset), \(span.end.offset))")
        }
    }

    @Test("the fuzz inputs are found, and every file among the regressions is one the test above runs")
    func fuzzInputsFound() {
        // An empty argument list would make the test above pass without running anything.
        #expect(Fixtures.fuzzInputs.count >= 14, "Fuzz/corpus/compiler/ holds the seeds")
        // libFuzzer names a crasher crash-HASH, without an extension: copied in as it is, it would never run.
        let regressions = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.fuzzDirectory.path)) ?? []
        // The log miner's regressions have a folder of their own, replayed by LogMiningTests.
        let ignored = regressions.filter {
            !$0.hasSuffix(".yaml") && !$0.hasSuffix(".yml") && $0 != "README.md" && $0 != "log-miner"
        }
        #expect(ignored.isEmpty, "name them NAME.yaml (Fuzz/README.md): \(ignored)")
    }
}

extension Tag {
    @Tag static var corpus: Self
}
