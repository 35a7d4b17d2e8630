import Testing

@testable import GraceDSL

/// A file that does not parse is one error, not one error per reference to what it defines.
@Suite("A file that did not parse")
struct UnreadDefinitionsTests {
    static let kernels = """
        kind: kernel
        name: api
        command: [/bin/sh, -c, "exec sleep 1000"]
        """

    static let playbooks = """
        kind: playbook
        name: restart-kernel
        params:
          kernel: {type: kernel}
        steps:
          - restart: "{{ kernel }}"
        on_failure: notify-operator
        ---
        kind: playbook
        name: escalate
        steps:
          - call: page-operator
        on_failure: notify-operator
        manual: true
        """

    static let triggers = """
        kind: trigger
        name: api-crashed
        when: {exit: api}
        run: restart-kernel
        with: {kernel: api}
        ---
        kind: trigger
        name: api-flapping
        when: {restarts: api, count: 5, within: 1m}
        run: notify-operator
        """

    /// `page-operator` parses; `notify-operator`, after it, has an unclosed `[`.
    static let operatorFile = """
        kind: playbook
        name: page-operator
        steps:
          - notify: "a human is needed"
        manual: true
        ---
        kind: playbook
        name: notify-operator
        steps:
          - notify: "automatic healing failed"
            retry: [attempts: 3, delay: 5s
        timeout: 1m
        """

    func compile(_ files: [String: String], requireGrace: Bool = false) -> CompilationResult {
        Compiler(options: CompilerOptions(checkExecutables: false, requireGraceDocument: requireGrace))
            .compile(files.map { SourceFile(path: $0.key, text: $0.value) })
    }

    @Test("references to names the unread part may define are one note on its error, not errors of their own")
    func noCascade() throws {
        let result = compile([
            "config/kernels.yaml": Self.kernels, "config/triggers.yaml": Self.triggers,
            "Playbooks/kernel.yaml": Self.playbooks, "Playbooks/operator.yaml": Self.operatorFile,
        ])
        #expect(result.diagnostics.map(\.code) == [.yamlSyntax], "\(result.diagnostics.map(\.message))")
        let error = try #require(result.diagnostics.first)
        #expect(error.span.file == "Playbooks/operator.yaml")
        #expect(error.span.start.line == 11)
        #expect(error.span.start.column == 12)
        // The note where the parser gave up, the summary, and the first reference to `notify-operator`.
        #expect(error.notes.count == 3, "\(error.notes)")
        #expect(error.notes[0].message.contains("gave up here"))
        #expect(error.notes[1].span == nil)
        #expect(error.notes[1].message.contains("nothing from line 6 on could be read"))
        #expect(error.notes[1].message.contains("3 references"))
        let reference = try #require(error.notes[2].span)
        #expect(reference.file == "Playbooks/kernel.yaml")
        #expect(reference.start.line == 7)
        #expect(error.notes[2].message.contains("playbook `notify-operator` is referenced here and 2 more times"))
    }

    @Test("the documents before the error are kept: what they define resolves, and what else is unknown is reported")
    func documentsBeforeTheErrorCount() throws {
        let playbooks = Self.playbooks.replacingOccurrences(of: "call: page-operator", with: "call: page-operater")
        let result = compile([
            "config/kernels.yaml": Self.kernels, "config/triggers.yaml": Self.triggers,
            "Playbooks/kernel.yaml": playbooks, "Playbooks/operator.yaml": Self.operatorFile,
        ])
        // `page-operator` was read, so the misspelling is an error of its own, with the right suggestion.
        #expect(result.diagnostics.map(\.code) == [.unknownPlaybook, .yamlSyntax])
        #expect(result.diagnostics.first?.message.contains("did you mean `page-operator`?") == true)
        #expect(result.documents.contains { $0.header.name.value == "page-operator" })
    }

    @Test("a name the unread part cannot define is still reported")
    func otherNamesStillReported() {
        let triggers = Self.triggers.replacingOccurrences(of: "run: notify-operator", with: "run: notify-oprator")
        let result = compile([
            "config/kernels.yaml": Self.kernels, "config/triggers.yaml": triggers,
            "Playbooks/kernel.yaml": Self.playbooks, "Playbooks/operator.yaml": Self.operatorFile,
        ])
        #expect(result.diagnostics.map(\.code) == [.yamlSyntax, .unknownPlaybook])
        #expect(result.diagnostics.last?.span.file == "config/triggers.yaml")
    }

    @Test("with nothing held back, the error has no summary note")
    func noReferencesNoNote() throws {
        let result = compile(["Playbooks/operator.yaml": Self.operatorFile])
        #expect(result.diagnostics.map(\.code) == [.yamlSyntax])
        #expect(result.diagnostics.first?.notes.count == 1)
    }

    @Test("checks that need every document stand down: unreachable playbooks, unused gates, the grace document")
    func wholePictureChecksStandDown() {
        let gate = """
            kind: gate
            name: api-availability
            checks:
              - {availability: api, at_least: 99%, window: 1m}
            """
        let playbook = """
            kind: playbook
            name: lonely
            steps:
              - notify: "nobody runs me"
            """
        let broken = "kind: chaos\nname: kill-api\ninject: {kill: api\n"
        let clean = compile(["k.yaml": Self.kernels, "g.yaml": gate, "p.yaml": playbook], requireGrace: true)
        #expect(Set(clean.diagnostics.map(\.code)) == [.unusedGate, .unreachablePlaybook, .missingGraceDocument])
        let result = compile(
            ["k.yaml": Self.kernels, "g.yaml": gate, "p.yaml": playbook, "x.yaml": broken], requireGrace: true)
        #expect(result.diagnostics.map(\.code) == [.yamlSyntax])
    }

    @Test("triggers that need the grace document or a fleet stand down while those may be unread")
    func triggersStandDown() {
        let triggers = """
            kind: trigger
            name: healer-silent
            when: {silence: healer}
            run: page
            ---
            kind: trigger
            name: member-lost
            when: {member_lost: grace-2}
            run: page
            ---
            kind: playbook
            name: page
            steps:
              - notify: "look"
            """
        let grace = "kind: grace\nname: demo\nstate_dir: [var/grace\n"
        let fleet = "kind: fleet\nname: demo-fleet\ninstances:\n  - {name: grace-2, role: [hot}\n"
        let clean = compile(["t.yaml": triggers])
        #expect(clean.diagnostics.map(\.code) == [.triggerCannotFire, .triggerCannotFire])
        let result = compile(["t.yaml": triggers, "grace.yaml": grace, "fleet.yaml": fleet])
        #expect(result.diagnostics.map(\.code) == [.yamlSyntax, .yamlSyntax], "\(result.diagnostics.map(\.message))")
    }

    @Test("a refused document holds back references to its name; documents after it still define theirs")
    func refusedDocument() throws {
        let file = """
            kind: playbook
            name: notify-operator
            steps:
              - notify: *missing
            ---
            kind: playbook
            name: page-operator
            steps:
              - notify: "a human is needed"
            manual: true
            """
        let result = compile([
            "config/kernels.yaml": Self.kernels, "config/triggers.yaml": Self.triggers,
            "Playbooks/kernel.yaml": Self.playbooks, "Playbooks/operator.yaml": file,
        ])
        #expect(result.diagnostics.map(\.code) == [.unknownAnchor])
        let notes = try #require(result.diagnostics.first?.notes)
        #expect(notes.first?.message.contains("the document that starts on line 1 was not read") == true)
    }

    @Test("many held-back names: five get a note at their first reference, the rest are listed")
    func manyNames() throws {
        let names = (1...7).map { "p\($0)" }
        let broken = names.map { "kind: playbook\nname: \($0)\nsteps: [{notify: x}]\nmanual: true\n" }
            .joined(separator: "---\n")
        let calls = names.map { "  - call: \($0)" }.joined(separator: "\n")
        let caller = "kind: playbook\nname: all\nsteps:\n\(calls)\nmanual: true\n"
        let result = compile(["a.yaml": "x: [\n" + broken, "b.yaml": caller])
        #expect(result.diagnostics.map(\.code) == [.yamlSyntax])
        let notes = try #require(result.diagnostics.first?.notes)
        #expect(notes.filter { $0.span?.file == "b.yaml" }.count == UnreadDefinitions.namesShown)
        #expect(notes.last?.message == "also referenced and possibly defined there: `p6`, `p7`")
    }
}
