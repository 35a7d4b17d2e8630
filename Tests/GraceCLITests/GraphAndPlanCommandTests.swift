import Foundation
import Testing

@Suite("grace graph and grace plan", .timeLimit(.minutes(10)))
struct GraphAndPlanCommandTests {
    @Test("graph prints DOT, Mermaid and JSON of the shipped configuration")
    func graph() async throws {
        let dot = try await GraceBinary.run(["graph", "--format", "dot"])
        #expect(dot.status == 0, "\(dot.stderr)")
        #expect(dot.stdout.hasPrefix("digraph grace {"))
        #expect(dot.stdout.contains("\"kernel:api\" -> \"kernel:store\""))
        let mermaid = try await GraceBinary.run(["graph", "--format", "mermaid"])
        #expect(mermaid.stdout.hasPrefix("flowchart LR"))
        let json = try await GraceBinary.run(["graph", "-f", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let order = try #require(object["bootOrder"] as? [String])
        #expect(order.firstIndex(of: "store")! < order.firstIndex(of: "api")!)
    }

    func git(_ args: [String], in dir: URL) async throws {
        let out = try await GraceBinary.runTool(
            "/usr/bin/env", ["git", "-c", "user.name=Grace Test", "-c", "user.email=test@grace.invalid"] + args,
            in: dir)
        #expect(out.status == 0, "git \(args): \(out.stderr)")
    }

    static let grace = """
        kind: grace
        name: plan-test
        """

    static let kernels = """
        kind: kernel
        name: api
        command: [/bin/sleep, "100"]
        ---
        kind: kernel
        name: store
        command: [/bin/sleep, "100"]
        """

    @Test("plan compares two revisions at the graph level")
    func plan() async throws {
        let dir = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await git(["init", "-q", "-b", "main"], in: dir)
        try GraceBinary.write(Self.grace, to: dir.appendingPathComponent("config/grace.yaml"))
        try GraceBinary.write(Self.kernels, to: dir.appendingPathComponent("config/kernels.yaml"))
        try await git(["add", "-A"], in: dir)
        try await git(["commit", "-qm", "one"], in: dir)
        let edited =
            Self.kernels.replacingOccurrences(
                of: "name: api\ncommand: [/bin/sleep, \"100\"]", with: "name: api\ncommand: [/bin/sleep, \"200\"]")
            + "\n---\nkind: kernel\nname: cache\ncommand: [/bin/sleep, \"100\"]\n"
        try GraceBinary.write(edited, to: dir.appendingPathComponent("config/kernels.yaml"))
        try await git(["commit", "-qam", "two"], in: dir)

        let out = try await GraceBinary.run(["plan", "HEAD~1..HEAD"], in: dir)
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("+ start kernel cache"))
        #expect(out.stdout.contains("~ restart kernel api"))
        #expect(!out.stdout.contains("store"))
        #expect(out.stdout.contains("1 added, 1 changed, 0 removed, 2 unchanged"))

        let json = try await GraceBinary.run(["plan", "HEAD~1..HEAD", "--format", "json"], in: dir)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let kernels = try #require(object["kernels"] as? [String: [String]])
        #expect(kernels["restart"] == ["api"])
        #expect(kernels["start"] == ["cache"])
    }

    @Test("a revision that does not compile is reported, and bad ranges exit 2")
    func planErrors() async throws {
        let dir = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await git(["init", "-q", "-b", "main"], in: dir)
        try GraceBinary.write(Self.grace, to: dir.appendingPathComponent("config/grace.yaml"))
        try GraceBinary.write(Self.kernels, to: dir.appendingPathComponent("config/kernels.yaml"))
        try await git(["add", "-A"], in: dir)
        try await git(["commit", "-qm", "one"], in: dir)
        try GraceBinary.write(
            Self.kernels + "\n    depends_on: [nope\n", to: dir.appendingPathComponent("config/kernels.yaml"))
        try await git(["commit", "-qam", "broken"], in: dir)
        let out = try await GraceBinary.run(["plan", "HEAD~1..HEAD"], in: dir)
        #expect(out.status == 1)
        #expect(out.stdout.contains("does not compile"))
        #expect(try await GraceBinary.run(["plan", "HEAD"], in: dir).status == 2)
        #expect(try await GraceBinary.run(["plan", "nope..HEAD"], in: dir).status == 2)
    }
}
