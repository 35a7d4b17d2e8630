import ConfigRepair
import GraceDSL
import Testing

@Suite("Compile gate")
struct CompileGateTests {
    let gate = CompileGate()

    static let twoErrors = """
        kind: kernel
        name: api
        command: [/bin/true]
        tiers: critical
        ---
        kind: kernel
        name: store
        command: [/bin/true]
        depends_on: [nowhere]

        """

    @Test("a diagnostic keeps its identity when an edit above it moves its text")
    func identitySurvivesMovedText() throws {
        let before = gate.compile([SourceFile(path: "a.yaml", text: Self.twoErrors)])
        let change = ConfigChange(
            edits: [TextEdit(file: "a.yaml", range: 0..<0, replacement: "# a comment\n# and another\n")],
            summary: "comment", origin: .repair)
        let verdict = gate.evaluate(change, on: before)
        #expect(verdict.accepted)
        #expect(verdict.introduced.isEmpty)
        #expect(verdict.removed.isEmpty)
        #expect(verdict.changedDocuments.isEmpty)
    }

    @Test("an error elsewhere does not block an unrelated fix, and the fixed document is reported changed")
    func unrelatedErrorsDoNotBlock() throws {
        let before = gate.compile([SourceFile(path: "a.yaml", text: Self.twoErrors)])
        let g106 = try #require(before.diagnostics.first { $0.code == .unknownKey })
        let target = try #require(before.identity(of: g106))
        let fix = try #require(g106.fixIts.first)
        let verdict = gate.evaluate(
            ConfigChange(edits: [TextEdit(fix)], summary: "fix", origin: .fixIt, fixes: ["G106"]), on: before,
            targeting: [target])
        #expect(verdict.accepted, "\(verdict.reason)")
        #expect(verdict.removed.map(\.code) == [.unknownKey])
        #expect(verdict.after?.diagnostics.map(\.code) == [.unknownKernel])
        #expect(verdict.changedDocuments.changed == ["kernel/api"])
    }

    @Test("a change that introduces a diagnostic is refused and says which")
    func refusesNewDiagnostics() throws {
        let before = gate.compile([SourceFile(path: "a.yaml", text: Self.twoErrors)])
        // Renaming `api` to `store` duplicates a name.
        let text = Self.twoErrors
        let range = try #require(text.range(of: "name: api"))
        let start = text.utf8.distance(from: text.startIndex, to: range.lowerBound) + 6
        let change = ConfigChange(
            edits: [TextEdit(file: "a.yaml", range: start..<start + 3, replacement: "store")], summary: "rename",
            origin: .repair)
        let verdict = gate.evaluate(change, on: before)
        #expect(!verdict.accepted)
        #expect(verdict.introduced.map(\.code).contains(.duplicateName))
    }

    @Test("a repair that leaves its target in place is refused")
    func refusesWhenTargetRemains() throws {
        let before = gate.compile([SourceFile(path: "a.yaml", text: Self.twoErrors)])
        let g201 = try #require(before.diagnostics.first { $0.code == .unknownKernel })
        let change = ConfigChange(
            edits: [TextEdit(file: "a.yaml", range: 0..<0, replacement: "# nothing\n")], summary: "noop",
            origin: .repair, fixes: ["G201"])
        let verdict = gate.evaluate(change, on: before, targeting: [try #require(before.identity(of: g201))])
        #expect(!verdict.accepted)
    }

    @Test("an edit that does not apply is refused, not thrown")
    func refusesEditsThatDoNotApply() {
        let before = gate.compile([SourceFile(path: "a.yaml", text: "kind: kernel\n")])
        let change = ConfigChange(
            edits: [TextEdit(file: "b.yaml", range: 0..<0, replacement: "x")], summary: "elsewhere", origin: .repair)
        #expect(!gate.evaluate(change, on: before).accepted)
    }
}
