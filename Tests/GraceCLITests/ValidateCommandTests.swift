import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `grace validate` as a user runs it: exit codes, the text a human reads, and the machine formats.
@Suite("grace validate", .timeLimit(.minutes(10)))
struct ValidateCommandTests {
    static let syntaxError = """
        kind: kernel
        name: api
        command: [/bin/true, --port
        tier: critical
        """

    static let typo = """
        kind: kernel
        name: api
        command: [/bin/true]
        health:
          http: http://127.0.0.1:8081/healthz
          timout: 1s
        """

    static let dangling = """
        kind: playbook
        name: restart-kernel
        params: {kernel: {type: kernel}}
        steps:
          - restart: "{{ kernel }}"
        ---
        kind: trigger
        name: api-crashed
        when: {exit: apii}
        run: restart-kernel
        with: {kernel: "{{ event.kernel }}"}
        """

    func withFile(_ text: String, _ body: (URL, URL) async throws -> Void) async throws {
        let dir = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("case.yaml")
        try GraceBinary.write(text, to: file)
        try await body(dir, file)
    }

    @Test("the shipped configuration validates clean: exit 0, no warnings")
    func shipped() async throws {
        let out = try await GraceBinary.run(
            ["validate"], in: GraceBinary.repository.appendingPathComponent("Playbooks"))
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("no problems"))
        let strict = try await GraceBinary.run(["validate", "--warnings-as-errors", "--format", "json"])
        #expect(strict.status == 0)
        #expect(strict.stdout.contains("\"warnings\" : 0"))
    }

    @Test(
        "a syntax error, a typo'd key and a dangling reference show the source line and a caret",
        arguments: [
            (syntaxError, "G001", "  3 | command: [/bin/true, --port"),
            (typo, "G106", "  6 |   timout: 1s"),
            (dangling, "G201", "  9 | when: {exit: apii}"),
        ])
    func textOutput(text: String, code: String, line: String) async throws {
        try await withFile(text) { dir, file in
            let out = try await GraceBinary.run(["validate", "case.yaml"], in: dir)
            #expect(out.status == 1)
            #expect(out.stdout.contains("error[\(code)]"), "\(out.stdout)")
            #expect(out.stdout.contains(line), "\(out.stdout)")
            #expect(out.stdout.contains("^"), "\(out.stdout)")
            #expect(!out.stdout.contains("\u{1B}["), "no color when not on a terminal")
        }
    }

    @Test("the typo gets a did-you-mean and a fix-it")
    func fixIt() async throws {
        try await withFile(Self.typo) { dir, _ in
            let out = try await GraceBinary.run(["validate", "case.yaml"], in: dir)
            #expect(
                out.stdout.contains(
                    "case.yaml:6:3: error[G106]: unknown key `timout` in health probe; did you mean `timeout`?"))
            #expect(out.stdout.contains("fix-it: replace with `timeout`"))
        }
    }

    @Test(
        "SARIF output is JSON with version 2.1.0, the rule and the location", arguments: [syntaxError, typo, dangling])
    func sarif(text: String) async throws {
        try await withFile(text) { dir, _ in
            let out = try await GraceBinary.run(["validate", "case.yaml", "--format", "sarif"], in: dir)
            #expect(out.status == 1)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
            #expect(object["version"] as? String == "2.1.0")
            let runs = try #require(object["runs"] as? [[String: Any]])
            let results = try #require(runs.first?["results"] as? [[String: Any]])
            #expect(results.count == 1)
            let locations = try #require(results.first?["locations"] as? [[String: Any]])
            let physical = try #require(locations.first?["physicalLocation"] as? [String: Any])
            let artifact = try #require(physical["artifactLocation"] as? [String: Any])
            #expect(artifact["uri"] as? String == "case.yaml")
        }
    }

    @Test("JUnit output passes xmllint", arguments: [syntaxError, typo, dangling])
    func junit(text: String) async throws {
        let xmllint = "/usr/bin/xmllint"
        try #require(
            FileManager.default.isExecutableFile(atPath: xmllint), "install libxml2-utils (scripts/setup --test does)")
        try await withFile(text) { dir, _ in
            let out = try await GraceBinary.run(["validate", "case.yaml", "--format", "junit"], in: dir)
            #expect(out.status == 1)
            let report = dir.appendingPathComponent("report.xml")
            try GraceBinary.write(out.stdout, to: report)
            let lint = try await GraceBinary.runTool(xmllint, ["--noout", report.path])
            #expect(lint.status == 0, "\(lint.stderr)")
            #expect(out.stdout.contains("<failure"))
        }
    }

    @Test("JSON output carries code, position and summary")
    func json() async throws {
        try await withFile(Self.dangling) { dir, _ in
            let out = try await GraceBinary.run(["validate", "case.yaml", "-f", "json"], in: dir)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
            let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
            #expect(diagnostics.first?["code"] as? String == "G201")
            let start = try #require(diagnostics.first?["start"] as? [String: Any])
            #expect(start["line"] as? Int == 9)
            #expect(start["column"] as? Int == 14)
        }
    }

    @Test("warnings pass unless --warnings-as-errors")
    func warnings() async throws {
        let text = """
            kind: playbook
            name: lonely
            steps: [{notify: "hello"}]
            """
        try await withFile(text) { dir, _ in
            let relaxed = try await GraceBinary.run(["validate", "case.yaml"], in: dir)
            #expect(relaxed.status == 0)
            #expect(relaxed.stdout.contains("warning[G403]"))
            let strict = try await GraceBinary.run(["validate", "case.yaml", "--warnings-as-errors"], in: dir)
            #expect(strict.status == 1)
        }
    }

    @Test("usage and I/O errors exit 2")
    func usage() async throws {
        #expect(try await GraceBinary.run(["validate", "--format", "xml"]).status == 2)
        #expect(try await GraceBinary.run(["validate", "does/not/exist.yaml"]).status == 2)
        #expect(try await GraceBinary.run(["frobnicate"]).status == 2)
        let dir = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let noRoot = try await GraceBinary.run(["validate"], in: dir)
        #expect(noRoot.status == 2)
        #expect(noRoot.stderr.contains("no configuration root"))
    }

    @Test("--help explains the command")
    func help() async throws {
        let out = try await GraceBinary.run(["validate", "--help"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("--warnings-as-errors"))
        #expect(out.stdout.contains("Exit status"))
    }
}
