import Foundation
import Testing

@testable import GraceDSL

/// The configuration Grace ships with (config/ and Playbooks/) must compile clean, with no warnings.
@Suite("Shipped configuration")
struct ShippedConfigurationTests {
    func load() throws -> [SourceFile] {
        let root = Fixtures.repository
        let dirs = ConfigurationLoader.includes(root: root).map { root.appendingPathComponent($0) }
        return try ConfigurationLoader.read(ConfigurationLoader.files(under: dirs), relativeTo: root)
    }

    @Test("the root is found from a subdirectory and includes config/ and Playbooks/")
    func root() throws {
        let found = try #require(
            ConfigurationLoader.findRoot(from: Fixtures.repository.appendingPathComponent("Playbooks")))
        #expect(found.standardizedFileURL.path == Fixtures.repository.standardizedFileURL.path)
        #expect(ConfigurationLoader.includes(root: found) == ["config", "Playbooks"])
    }

    @Test("config/ and Playbooks/ validate with no errors and no warnings")
    func clean() throws {
        let files = try load()
        #expect(files.count >= 8)
        // grace-demo is built next to the test binary; check executables against that directory.
        let options = CompilerOptions(
            checkExecutables: FileManager.default.isExecutableFile(
                atPath: Fixtures.productsDirectory.appendingPathComponent("grace-demo").path),
            root: Fixtures.repository.path, requireGraceDocument: true,
            toolDirectories: [Fixtures.productsDirectory.path])
        let result = Compiler(options: options).compile(files)
        let text = TextDiagnosticRenderer(color: false).render(
            result.diagnostics, sources: Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.text) }))
        #expect(result.diagnostics.isEmpty, "\(text)")
        let graph = try #require(result.graph)
        #expect(graph.kernels.count >= 4)
        #expect(graph.fleets.first?.instances.count == 6)
    }

    @Test("every failure scenario has a trigger in the shipped configuration")
    func scenarios() throws {
        let graph = try #require(Compiler(options: CompilerOptions(checkExecutables: false)).compile(try load()).graph)
        let kinds = Set(
            graph.triggers.map { $0.when.condition.keyword }
                + graph.triggers.flatMap { t -> [String] in
                    if case .all(let parts, _) = t.when.condition { return parts.map(\.condition.keyword) }
                    if case .any(let parts) = t.when.condition { return parts.map(\.condition.keyword) }
                    return []
                })
        for required in [
            "exit", "signature", "metric", "predict", "file", "silence", "config", "deadlock", "member_lost",
        ] {
            #expect(kinds.contains(required), "no `\(required)` trigger")
        }
        let faults = Set(graph.chaos.map(\.fault.keyword))
        #expect(faults == Set(ChaosScenario.Fault.keywords))
    }

    /// Issue 14: an unclosed `[` in Playbooks/operator.yaml also gave nine "unknown playbook `notify-operator`"
    /// errors in other files. Whichever shipped file it is in, the unclosed bracket is the one diagnostic.
    @Test(
        "an unclosed `[` in any one shipped file is one error, at the bracket, and nothing else",
        arguments: Fixtures.shippedPaths)
    func unclosedBracket(_ path: String) throws {
        var files = try load()
        let index = try #require(files.firstIndex { $0.path == path })
        var lines = files[index].text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let name = try #require(lines.firstIndex { $0.hasPrefix("name: ") })
        lines.insert("x: [a, b", at: name + 1)
        files[index].text = lines.joined(separator: "\n")
        let options = CompilerOptions(checkExecutables: false, requireGraceDocument: true)
        let result = Compiler(options: options).compile(files)
        let shown = result.diagnostics.map { "\($0.span.file):\($0.span.start.line) \($0.code.rawValue) \($0.message)" }
        #expect(result.diagnostics.count == 1, "\(shown)")
        let error = try #require(result.diagnostics.first)
        #expect(error.code == .yamlSyntax)
        #expect(error.span.file == path)
        #expect(error.span.start.line == name + 2)
        #expect(error.span.start.column == 4)
    }

    @Test("a configuration root without a grace document is reported")
    func missingGrace() {
        let options = CompilerOptions(checkExecutables: false, requireGraceDocument: true)
        let result = Compiler(options: options).compile([
            SourceFile(path: "a.yaml", text: "kind: gate\nname: g\nchecks: [{data_loss: none}]\n")
        ])
        #expect(result.diagnostics.map(\.code).contains(.missingGraceDocument))
    }
}
