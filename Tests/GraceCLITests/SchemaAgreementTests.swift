import Foundation
import Testing

/// schema/ and the compiler must agree: what the schema rejects is exactly what the compiler rejects for
/// structural reasons. Checked with two validators independent of Grace (python-jsonschema through
/// scripts/check-schema.py, and check-jsonschema through scripts/check-schema.sh), in the project's Python
/// environment (`GraceBinary.python`).
@Suite("JSON Schema agrees with the compiler", .timeLimit(.minutes(10)))
struct SchemaAgreementTests {
    /// Codes about shape (YAML, keys, types, values): the schema must reject these documents.
    static let structural: Set<String> = [
        "G001", "G002", "G003", "G004", "G005", "G008", "G100", "G101", "G102", "G103", "G104", "G106", "G107", "G108",
        "G109", "G110", "G111", "G112", "G114", "G115", "G116", "G119", "G120", "G121",
    ]

    static let fixtures = GraceBinary.repository.appendingPathComponent("Tests/Fixtures")

    func files(_ sub: String) -> [String] {
        let dir = Self.fixtures.appendingPathComponent(sub)
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".yaml") }
            .sorted().map { "Tests/Fixtures/\(sub)/\($0)" }
    }

    @Test("every shipped file names the schema in its modeline and validates against it")
    func shipped() async throws {
        let root = GraceBinary.repository
        for dir in ["config", "Playbooks"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path)
            for name in names where name.hasSuffix(".yaml") {
                let text = try String(contentsOf: root.appendingPathComponent("\(dir)/\(name)"), encoding: .utf8)
                #expect(text.hasPrefix("# yaml-language-server: $schema=../schema/grace.schema.json"), "\(dir)/\(name)")
            }
        }
        let interpreter = try #require(GraceBinary.python, "\(GraceBinary.pythonMissing)")
        let python = try await GraceBinary.runTool(interpreter, ["scripts/check-schema.py", "config", "Playbooks"])
        #expect(python.status == 0, "\(python.stdout)\(python.stderr)")
        let second = try await GraceBinary.runTool(
            "/usr/bin/env", ["bash", "scripts/check-schema.sh", "config", "Playbooks"],
            environment: ["GRACE_PYTHON": interpreter])
        #expect(second.status == 0, "check-jsonschema: \(second.stdout)\(second.stderr)")
    }

    @Test("on the fixture corpus the schema rejects exactly the structurally invalid documents")
    func corpus() async throws {
        let all = files("invalid") + files("valid")
        #expect(all.count >= 60)
        let python = try #require(GraceBinary.python, "\(GraceBinary.pythonMissing)")
        let out = try await GraceBinary.runTool(python, ["scripts/check-schema.py", "--report"] + all)
        #expect(out.status == 0, "\(out.stderr)")
        var seen = 0
        for line in out.stdout.split(separator: "\n") {
            let report = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let file = try #require(report["file"] as? String)
            let valid = try #require(report["valid"] as? Bool)
            let text = try String(contentsOf: GraceBinary.repository.appendingPathComponent(file), encoding: .utf8)
            let expect = text.split(separator: "\n").first?.split(separator: " ").dropFirst(2).first.map(String.init)
            let shouldReject = expect.map(Self.structural.contains) ?? false
            #expect(valid == !shouldReject, "\(file) (\(expect ?? "?")): schema says \(valid ? "valid" : "invalid")")
            seen += 1
        }
        #expect(seen == all.count)
    }
}
