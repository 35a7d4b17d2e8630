import Foundation
import Testing

@testable import GraceDSL

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The renderers are specified by their exact output on small hand-made diagnostics.
@Suite("Diagnostic renderers")
struct RenderTests {
    static let kernelsPath = "config/kernels.yaml"
    static let kernels = """
        kind: Kernel
        name: api
        health:
          timout: 1s
        ---
        kind: Kernel
        name: api

        """

    /// The span from (line, column) to (endLine, endColumn) in `text`, with byte offsets worked out from it.
    static func span(
        _ file: String, in text: String, _ line: Int, _ column: Int, to endLine: Int, _ endColumn: Int
    ) -> SourceSpan {
        SourceSpan(
            file: file,
            start: location(in: text, line, column),
            end: location(in: text, endLine, endColumn)
        )
    }

    static func location(in text: String, _ line: Int, _ column: Int) -> GraceDSL.SourceLocation {
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        var offset = lines.prefix(line - 1).reduce(0) { $0 + String($1).utf8.count + 1 }
        offset += String(String.UnicodeScalarView(lines[line - 1].prefix(column - 1))).utf8.count
        return GraceDSL.SourceLocation(line: line, column: column, offset: offset)
    }

    static let unknownKey = Diagnostic(
        .unknownKey, "unknown key `timout` in health; did you mean `timeout`?",
        at: span(kernelsPath, in: kernels, 4, 3, to: 4, 9),
        fixIts: [
            FixIt(
                "replace with `timeout`", span: span(kernelsPath, in: kernels, 4, 3, to: 4, 9), replacement: "timeout")
        ]
    )

    static let duplicateName = Diagnostic(
        .duplicateName, "kernel `api` is defined twice",
        at: span(kernelsPath, in: kernels, 7, 7, to: 7, 10),
        notes: [
            Note("first defined here", at: span(kernelsPath, in: kernels, 2, 7, to: 2, 10)),
            Note("kernel names are unique across all files"),
        ]
    )

    static let unusedGate = Diagnostic(
        .unusedGate, "gate `canary` is never used", at: span(kernelsPath, in: kernels, 3, 1, to: 3, 7)
    )

    static let sources = [kernelsPath: kernels]

    // MARK: Text

    @Test("an error quotes its source line with carets under the span, then its fix-it and a summary")
    func textError() {
        let output = TextDiagnosticRenderer(color: false).render([Self.unknownKey], sources: Self.sources)
        #expect(
            output == """
                config/kernels.yaml:4:3: error[G106]: unknown key `timout` in health; did you mean `timeout`?
                    |
                  4 |   timout: 1s
                    |   ^~~~~~
                  = fix-it: replace with `timeout`

                1 error
                """
        )
    }

    @Test("a note with a span gets its own located snippet; a note without one gets an `= note:` line")
    func textNotes() {
        let output = TextDiagnosticRenderer(color: false)
            .render([Self.duplicateName, Self.unusedGate], sources: Self.sources)
        #expect(
            output == """
                config/kernels.yaml:7:7: error[G105]: kernel `api` is defined twice
                    |
                  7 | name: api
                    |       ^~~
                config/kernels.yaml:2:7: note: first defined here
                    |
                  2 | name: api
                    |       ^~~
                  = note: kernel names are unique across all files

                config/kernels.yaml:3:1: warning[G902]: gate `canary` is never used
                    |
                  3 | health:
                    | ^~~~~~

                1 error, 1 warning
                """
        )
    }

    @Test("a zero-width span gets one caret; a multi-line span is marked to the end of its first line")
    func textCaretShapes() {
        let renderer = TextDiagnosticRenderer(color: false)
        let zeroWidth = Diagnostic(
            .missingField, "missing `command`", at: Self.span(Self.kernelsPath, in: Self.kernels, 6, 7, to: 6, 7))
        #expect(
            renderer.render(zeroWidth, sources: Self.sources) == """
                config/kernels.yaml:6:7: error[G107]: missing `command`
                    |
                  6 | kind: Kernel
                    |       ^
                """
        )
        let multiLine = Diagnostic(
            .wrongType, "expected a string", at: Self.span(Self.kernelsPath, in: Self.kernels, 3, 3, to: 4, 13))
        #expect(
            renderer.render(multiLine, sources: Self.sources) == """
                config/kernels.yaml:3:3: error[G108]: expected a string
                    |
                  3 | health:
                    |   ^~~~~
                """
        )
    }

    @Test("tabs become single spaces so the carets stay under the text")
    func textTabs() {
        let text = "a:\n\tb:\t1x\n"
        let diagnostic = Diagnostic(.invalidValue, "bad value", at: Self.span("t.yaml", in: text, 2, 5, to: 2, 7))
        #expect(
            TextDiagnosticRenderer(color: false).render(diagnostic, sources: ["t.yaml": text]) == """
                t.yaml:2:5: error[G109]: bad value
                    |
                  2 |  b: 1x
                    |     ^~
                """
        )
    }

    @Test("the gutter widens for line numbers of more than three digits")
    func textWideGutter() {
        let text = String(repeating: "# filler\n", count: 1233) + "port: 99999\n"
        let diagnostic = Diagnostic(
            .outOfRange, "port out of range", at: Self.span("big.yaml", in: text, 1234, 7, to: 1234, 12))
        #expect(
            TextDiagnosticRenderer(color: false).render(diagnostic, sources: ["big.yaml": text]) == """
                big.yaml:1234:7: error[G115]: port out of range
                     |
                1234 | port: 99999
                     |       ^~~~~
                """
        )
    }

    @Test("without the file's text the snippet is left out")
    func textMissingSource() {
        #expect(
            TextDiagnosticRenderer(color: false).render([Self.unknownKey], sources: [:]) == """
                config/kernels.yaml:4:3: error[G106]: unknown key `timout` in health; did you mean `timeout`?
                  = fix-it: replace with `timeout`

                1 error
                """
        )
    }

    @Test("no diagnostics read as no problems")
    func textEmpty() {
        #expect(TextDiagnosticRenderer(color: false).render([], sources: [:]) == "no problems")
    }

    @Test("ANSI colors appear only when asked for")
    func textColor() {
        let all = [Self.unknownKey, Self.duplicateName, Self.unusedGate]
        let plain = TextDiagnosticRenderer(color: false).render(all, sources: Self.sources)
        #expect(!plain.contains("\u{1B}"))

        let colored = TextDiagnosticRenderer(color: true).render(all, sources: Self.sources)
        #expect(colored.contains("\u{1B}[1mconfig/kernels.yaml:4:3:\u{1B}[0m"))
        #expect(colored.contains("\u{1B}[1;31merror[G106]\u{1B}[0m"))
        #expect(colored.contains("\u{1B}[1;33mwarning[G902]\u{1B}[0m"))
        #expect(colored.contains("\u{1B}[1;36mnote\u{1B}[0m"))
        #expect(colored.contains("  |   \u{1B}[1;32m^~~~~~\u{1B}[0m"))
    }

    // MARK: JSON

    @Test("JSON carries every field of a diagnostic and a summary")
    func json() throws {
        let output = JSONDiagnosticRenderer()
            .render([Self.unknownKey, Self.duplicateName, Self.unusedGate], sources: Self.sources)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(root["version"] as? Int == 1)
        let summary = try #require(root["summary"] as? [String: Any])
        #expect(summary["errors"] as? Int == 2)
        #expect(summary["warnings"] as? Int == 1)

        let diagnostics = try #require(root["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 3)
        let first = diagnostics[0]
        #expect(first["code"] as? String == "G106")
        #expect(first["title"] as? String == "unknown-key")
        #expect(first["severity"] as? String == "error")
        #expect(first["file"] as? String == "config/kernels.yaml")
        #expect(first["message"] as? String == Self.unknownKey.message)
        let start = try #require(first["start"] as? [String: Any])
        #expect(start["line"] as? Int == 4)
        #expect(start["column"] as? Int == 3)
        #expect(start["offset"] as? Int == 33)
        let end = try #require(first["end"] as? [String: Any])
        #expect(end["column"] as? Int == 9)
        let fixits = try #require(first["fixits"] as? [[String: Any]])
        #expect(fixits.first?["replacement"] as? String == "timeout")
        #expect(fixits.first?["file"] as? String == "config/kernels.yaml")

        let notes = try #require(diagnostics[1]["notes"] as? [[String: Any]])
        #expect(notes.count == 2)
        #expect((notes[0]["start"] as? [String: Any])?["line"] as? Int == 2)
        #expect(notes[1]["file"] == nil)
        #expect(notes[1]["message"] as? String == "kernel names are unique across all files")
    }

    @Test("JSON keys are sorted and slashes are not escaped")
    func jsonStable() {
        let output = JSONDiagnosticRenderer().render([Self.unknownKey], sources: [:])
        #expect(output.contains("\"config/kernels.yaml\""))
        let keys = ["\"diagnostics\"", "\"summary\"", "\"version\""].compactMap { output.range(of: $0)?.lowerBound }
        #expect(keys.count == 3 && keys == keys.sorted())
    }

    // MARK: SARIF

    @Test("SARIF is version 2.1.0 with one rule per diagnostic code")
    func sarifRules() throws {
        let output = SARIFDiagnosticRenderer(toolVersion: "1.2.3").render([], sources: [:])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(root["version"] as? String == "2.1.0")
        #expect(root["$schema"] as? String == "https://json.schemastore.org/sarif-2.1.0.json")
        let run = try #require((root["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "grace")
        #expect(driver["version"] as? String == "1.2.3")
        #expect(driver["informationUri"] as? String == "https://github.com/grace/grace")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["id"] as? String } == DiagnosticCode.allCases.map(\.rawValue))
        let g106 = try #require(rules.first { $0["id"] as? String == "G106" })
        #expect(g106["name"] as? String == "unknown-key")
        #expect(g106["helpUri"] as? String == "docs/diagnostics.md#g106-unknown-key")
        #expect((g106["shortDescription"] as? [String: Any])?["text"] as? String == "Unknown key")
        #expect((g106["defaultConfiguration"] as? [String: Any])?["level"] as? String == "error")
        #expect((run["results"] as? [Any])?.isEmpty == true)
    }

    @Test("a SARIF result has its rule, level, region, related locations and fixes")
    func sarifResults() throws {
        let renderer = SARIFDiagnosticRenderer(toolVersion: "1.2.3")
        let log = renderer.log([Self.unknownKey, Self.duplicateName, Self.unusedGate], sources: Self.sources)
        let results = log.runs[0].results
        #expect(results.map(\.ruleId) == ["G106", "G105", "G902"])
        #expect(results.map(\.level) == ["error", "error", "warning"])
        #expect(results[0].ruleIndex == DiagnosticCode.allCases.firstIndex(of: .unknownKey))

        let region = results[0].locations[0].physicalLocation.region
        #expect(
            region
                == SARIFLog.Region(
                    startLine: 4, startColumn: 3, endLine: 4, endColumn: 9,
                    charOffset: 33, charLength: 6, byteOffset: 33, byteLength: 6))
        #expect(results[0].locations[0].physicalLocation.artifactLocation.uri == "config/kernels.yaml")
        let replacement = try #require(results[0].fixes?.first?.artifactChanges.first?.replacements.first)
        #expect(replacement.insertedContent.text == "timeout")
        #expect(replacement.deletedRegion.startColumn == 3)

        let related = try #require(results[1].relatedLocations)
        #expect(related.count == 1)
        #expect(related[0].id == 0)
        #expect(related[0].message?.text == "first defined here")
        #expect(related[0].physicalLocation.region.startLine == 2)
        #expect(
            results[1].message.text == "kernel `api` is defined twice\nnote: kernel names are unique across all files")
        #expect(results[2].fixes == nil && results[2].relatedLocations == nil)

        let output = renderer.render([Self.unknownKey], sources: Self.sources)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let result = try #require(((root["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])?.first)
        #expect(result["ruleId"] as? String == "G106")
        #expect((result["message"] as? [String: Any])?["text"] as? String == Self.unknownKey.message)
    }

    @Test("SARIF character offsets count Unicode scalars, byte offsets bytes; without the text only bytes")
    func sarifOffsets() {
        let text = "name: \"dé\"\nport: x\n"
        let diagnostic = Diagnostic(.wrongType, "expected a number", at: Self.span("u.yaml", in: text, 2, 7, to: 2, 8))
        let renderer = SARIFDiagnosticRenderer(toolVersion: "1")
        let withText = renderer.log([diagnostic], sources: ["u.yaml": text]).runs[0].results[0]
        let region = withText.locations[0].physicalLocation.region
        #expect(region.byteOffset == 18 && region.byteLength == 1)
        #expect(region.charOffset == 17 && region.charLength == 1)

        let withoutText = renderer.log([diagnostic], sources: [:]).runs[0].results[0]
        #expect(withoutText.locations[0].physicalLocation.region.charOffset == nil)
        #expect(SARIFDiagnosticRenderer.uri("my configs/a.yaml") == "my%20configs/a.yaml")
        #expect(SARIFDiagnosticRenderer.uri("/etc/grace/a.yaml") == "file:///etc/grace/a.yaml")
    }

    // MARK: JUnit

    static func junit(extraMessage: String = "") -> String {
        let odd = Diagnostic(
            .invalidValue, "value <\"&'\u{1}\(extraMessage)'> is invalid",
            at: span(kernelsPath, in: kernels, 4, 11, to: 4, 13))
        return JUnitDiagnosticRenderer().render(
            [Self.unknownKey, Self.duplicateName, Self.unusedGate, odd],
            files: ["config/clean.yaml", kernelsPath],
            sources: Self.sources
        )
    }

    @Test("JUnit has a test case per file and a failure per error; warnings go to system-out")
    func junitStructure() throws {
        let document = try XMLDocument(xmlString: Self.junit())
        let suite = try #require(try document.nodes(forXPath: "/testsuites/testsuite").first as? XMLElement)
        #expect(suite.attribute(forName: "name")?.stringValue == "grace validate")
        #expect(suite.attribute(forName: "tests")?.stringValue == "2")
        #expect(suite.attribute(forName: "failures")?.stringValue == "1")
        #expect(suite.attribute(forName: "errors")?.stringValue == "0")

        let cases = try document.nodes(forXPath: "//testcase").compactMap { $0 as? XMLElement }
        #expect(cases.map { $0.attribute(forName: "name")?.stringValue } == ["config/clean.yaml", Self.kernelsPath])
        #expect(cases.allSatisfy { $0.attribute(forName: "classname")?.stringValue == "grace.validate" })
        #expect(cases[0].children == nil || cases[0].children?.isEmpty == true)

        let failures = try document.nodes(forXPath: "//testcase[@name='config/kernels.yaml']/failure")
            .compactMap { $0 as? XMLElement }
        #expect(failures.map { $0.attribute(forName: "type")?.stringValue } == ["G106", "G105", "G109"])
        #expect(failures[0].attribute(forName: "message")?.stringValue == Self.unknownKey.message)
        #expect(
            failures[0].stringValue
                == TextDiagnosticRenderer(color: false).render(Self.unknownKey, sources: Self.sources))
        #expect(failures[2].attribute(forName: "message")?.stringValue == "value <\"&'\u{FFFD}'> is invalid")

        let systemOut = try document.nodes(forXPath: "//testcase/system-out")
        #expect(systemOut.count == 1)
        #expect(systemOut.first?.stringValue?.hasPrefix("config/kernels.yaml:3:1: warning[G902]") == true)
    }

    @Test("files with diagnostics that were not listed still get a test case")
    func junitUnlistedFile() throws {
        let output = JUnitDiagnosticRenderer(suiteName: "s").render([Self.unknownKey], files: [], sources: [:])
        let document = try XMLDocument(xmlString: output)
        let names = try document.nodes(forXPath: "//testcase/@name").compactMap(\.stringValue)
        #expect(names == [Self.kernelsPath])
    }

    @Test(
        "JUnit output passes xmllint",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint"), "needs libxml2-utils")
    )
    func junitXmllint() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("grace-junit-\(UUID()).xml")
        try Data(Self.junit(extraMessage: "]]> \u{FFFF}").utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xmllint")
        process.arguments = ["--noout", url.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(message)")
    }

    // MARK: Formats

    @Test("the formats are named as on the command line")
    func formats() {
        #expect(DiagnosticFormat.allCases.map(\.rawValue) == ["text", "json", "junit", "sarif"])
    }
}
