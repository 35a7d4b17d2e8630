import Foundation
import Testing

@testable import GraceDSL

@Suite("Execution graph")
struct GraphTests {
    static let kernels = """
        kind: kernel
        name: store
        command: [/bin/sleep, "1000"]
        ---
        kind: kernel
        name: api
        command: [/bin/sleep, "1000"]   # the API
        depends_on: [store]
        ---
        kind: kernel
        name: worker
        command: [/bin/sleep, "1000"]
        depends_on: [api, store]
        """

    static let playbooks = """
        kind: playbook
        name: restart-kernel
        params: {kernel: {type: kernel}}
        steps:
          - restart: "{{ kernel }}"
          - wait_healthy: "{{ kernel }}"
            timeout: 20s
        ---
        kind: trigger
        name: crashed
        when: {exit: "*"}
        run: restart-kernel
        with: {kernel: "{{ event.kernel }}"}
        """

    func compile(_ files: [(String, String)]) -> CompilationResult {
        Compiler(options: CompilerOptions(checkExecutables: true))
            .compile(files.map { SourceFile(path: $0.0, text: $0.1) })
    }

    @Test("kernels boot after what they depend on")
    func bootOrder() throws {
        let graph = try #require(compile([("k.yaml", Self.kernels)]).graph)
        #expect(graph.bootOrder == ["store", "api", "worker"])
        #expect(
            graph.edges.contains(GraphEdge(from: .init(.kernel, "api"), to: .init(.kernel, "store"), kind: .dependsOn)))
    }

    @Test("the content hash ignores file order, key order, formatting and comments")
    func hashStability() throws {
        let a = try #require(compile([("k.yaml", Self.kernels), ("p.yaml", Self.playbooks)]).graph)
        let b = try #require(compile([("p.yaml", Self.playbooks), ("k.yaml", Self.kernels)]).graph)
        let reformatted = Self.kernels
            .replacingOccurrences(
                of: "command: [/bin/sleep, \"1000\"]   # the API", with: "command:\n  - /bin/sleep\n  - \"1000\""
            )
            .replacingOccurrences(of: "kind: kernel\nname: worker", with: "name: worker\nkind: kernel")
        let c = try #require(compile([("other.yaml", reformatted), ("p.yaml", Self.playbooks)]).graph)
        #expect(a.contentHash == b.contentHash)
        #expect(a.contentHash == c.contentHash)
        #expect(a.contentHash.count == 64)
    }

    @Test("the content hash changes with any value, and only that document's hash changes")
    func hashSensitivity() throws {
        let a = try #require(compile([("k.yaml", Self.kernels), ("p.yaml", Self.playbooks)]).graph)
        let edited = Self.playbooks.replacingOccurrences(of: "timeout: 20s", with: "timeout: 21s")
        let b = try #require(compile([("k.yaml", Self.kernels), ("p.yaml", edited)]).graph)
        #expect(a.contentHash != b.contentHash)
        let diff = GraphDiff(from: a.documentHashes, to: b.documentHashes)
        #expect(diff.changed == [DocumentID(kind: .playbook, name: "restart-kernel")])
        #expect(diff.added.isEmpty && diff.removed.isEmpty)
        #expect(diff.unchanged == a.documentHashes.count - 1)
    }

    @Test("a quoted number is not the same content as a plain one")
    func hashQuoting() throws {
        let a = try #require(compile([("k.yaml", Self.kernels)]).graph)
        let b = try #require(
            compile([
                (
                    "k.yaml",
                    Self.kernels.replacingOccurrences(
                        of: "command: [/bin/sleep, \"1000\"]\ndepends_on: [api, store]",
                        with: "command: [/bin/sleep, '1000']\ndepends_on: [api, store]")
                )
            ]).graph)
        #expect(a.contentHash == b.contentHash, "single and double quotes are both strings")
    }

    @Test("a dependency cycle is reported once, from its alphabetically first kernel, with each hop as a note")
    func dependencyCycle() throws {
        let text = """
            kind: kernel
            name: c
            command: [/bin/true]
            depends_on: [a]
            ---
            kind: kernel
            name: b
            command: [/bin/true]
            depends_on: [c]
            ---
            kind: kernel
            name: a
            command: [/bin/true]
            depends_on: [b]
            """
        let result = compile([("cycle.yaml", text)])
        #expect(result.graph == nil)
        let d = try #require(result.diagnostics.first)
        #expect(result.diagnostics.count == 1)
        #expect(d.code == .dependencyCycle)
        #expect(d.span.start.line == 14)
        #expect(d.message.contains("`a` -> `b` -> `c` -> `a`"))
        #expect(d.notes.count == 2)
    }

    @Test("escalation and call cycles are found")
    func playbookCycles() {
        let text = """
            kind: playbook
            name: one
            steps: [{call: two}]
            on_failure: two
            manual: true
            ---
            kind: playbook
            name: two
            steps: [{call: one}]
            on_failure: one
            """
        let codes = compile([("p.yaml", text)]).diagnostics.map(\.code)
        #expect(codes.contains(.escalationCycle))
        #expect(codes.contains(.callCycle))
    }

    @Test("the graph renders as DOT, Mermaid and JSON")
    func renderers() throws {
        let graph = try #require(compile([("k.yaml", Self.kernels), ("p.yaml", Self.playbooks)]).graph)
        let dot = GraphRenderer().render(graph, format: .dot)
        #expect(dot.hasPrefix("digraph grace {"))
        #expect(dot.contains("\"trigger:crashed\" -> \"playbook:restart-kernel\""))
        let mermaid = GraphRenderer().render(graph, format: .mermaid)
        #expect(mermaid.hasPrefix("flowchart LR"))
        let json = GraphRenderer().render(graph, format: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["bootOrder"] as? [String] == ["store", "api", "worker"])
        #expect(object["contentHash"] as? String == graph.contentHash)
    }
}
