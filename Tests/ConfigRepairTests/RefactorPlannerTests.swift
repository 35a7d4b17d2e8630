import ConfigRepair
import Foundation
import GraceDSL
import Testing

/// The shipped configuration (config/ and Playbooks/), read from this file's path.
private let shipped: [SourceFile] = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return ["config", "Playbooks"].flatMap { dir -> [SourceFile] in
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { name in
            let url = root.appendingPathComponent(dir).appendingPathComponent(name)
            return SourceFile(path: "\(dir)/\(name)", text: (try? String(contentsOf: url, encoding: .utf8)) ?? "")
        }
    }
}()

private let compiler = Compiler(options: CompilerOptions(checkExecutables: false))

/// A refactor intent as the DSL decodes it.
private func intent(_ yaml: String) throws -> RefactorIntent {
    let documents = compiler.compile([SourceFile(path: "intent.yaml", text: "kind: refactor\n" + yaml)]).documents
    let found = documents.compactMap { document -> RefactorIntent? in
        if case .refactor(let r) = document { return r }
        return nil
    }.first
    return try #require(found)
}

/// What a change did to the compiled configuration.
private struct Outcome {
    var diff: GraphDiff
    /// Diagnostic codes whose count grew.
    var newDiagnostics: [String]
    var after: [SourceFile]
}

private func outcome(_ files: [SourceFile], _ change: ConfigChange) throws -> Outcome {
    let before = compiler.compile(files)
    let after = try files.applying(change.edits)
    let result = compiler.compile(after)
    let old = try #require(before.graph, "before: \(before.diagnostics.map(\.message))")
    let new = try #require(result.graph, "after: \(result.diagnostics.filter { $0.severity == .error }.map(\.message))")
    func counts(_ r: CompilationResult) -> [String: Int] {
        r.diagnostics.reduce(into: [:]) { $0[$1.code.rawValue, default: 0] += 1 }
    }
    let a = counts(before)
    let grown = counts(result).filter { $0.value > a[$0.key, default: 0] }.map(\.key).sorted()
    return Outcome(
        diff: GraphDiff(from: old.documentHashes, to: new.documentHashes), newDiagnostics: grown, after: after)
}

private func id(_ kind: DocumentKind, _ name: String) -> DocumentID { DocumentID(kind: kind, name: name) }

private let planner = RefactorPlanner()

@Suite("Refactor planner")
struct RefactorPlannerTests {
    @Test func theShippedConfigurationCompiles() {
        #expect(compiler.compile(shipped).graph != nil)
    }

    @Test func tuneSetsTheFieldFromTheObservedValuePlusMargin() throws {
        let tune = try intent(
            """
            name: t
            intent: tune
            target: {kind: trigger, name: api-memory-pressure, field: when.above}
            bounds: {min: 128MiB, max: 240MiB}
            from: {metric: memory_rss, kernel: api, percentile: 99, window: 1h, margin: 20%}
            """)
        let change = try planner.plan(tune, files: shipped, context: RefactorContext(metricValue: 150 * 1_048_576))
        let result = try outcome(shipped, change)
        #expect(result.newDiagnostics.isEmpty)
        #expect(result.diff.changed == [id(.trigger, "api-memory-pressure")])
        #expect(result.diff.added.isEmpty && result.diff.removed.isEmpty)
        #expect(result.after.contains { $0.text.contains("above: 180MiB") })
    }

    @Test func tuneClampsToTheBounds() throws {
        let tune = try intent(
            """
            name: t
            intent: tune
            target: {kind: trigger, name: api-memory-pressure, field: when.above}
            bounds: {min: 128MiB, max: 240MiB}
            """)
        let change = try planner.plan(tune, files: shipped, context: RefactorContext(metricValue: 900 * 1_048_576))
        #expect(try shipped.applying(change.edits).contains { $0.text.contains("above: 240MiB") })
        #expect(change.summary.contains("clamped to bounds.max"))
        #expect(try outcome(shipped, change).diff.changed == [id(.trigger, "api-memory-pressure")])
    }

    @Test func renameRenamesTheDocumentAndEveryReference() throws {
        let rename = try intent("name: r\nintent: rename\ntarget: {kind: playbook, name: break-restart-loop}")
        let change = try planner.plan(rename, files: shipped, context: RefactorContext(newName: "break-loop"))
        let result = try outcome(shipped, change)
        #expect(result.newDiagnostics.isEmpty)
        #expect(result.diff.removed == [id(.playbook, "break-restart-loop")])
        #expect(result.diff.added == [id(.playbook, "break-loop")])
        #expect(result.diff.changed.contains(id(.trigger, "kernel-gave-up")))
        #expect(!result.after.contains { $0.text.contains("run: break-restart-loop") })
    }

    @Test func extractPlaybookMovesStepsBehindACall() throws {
        let extract = try intent(
            "name: e\nintent: extract_playbook\ntarget: {kind: playbook, name: relieve-memory-pressure}")
        let change = try planner.plan(
            extract, files: shipped, context: RefactorContext(newName: "snapshot-for-restart", steps: 0..<1))
        let result = try outcome(shipped, change)
        #expect(result.newDiagnostics.isEmpty)
        #expect(result.diff.changed == [id(.playbook, "relieve-memory-pressure")])
        #expect(result.diff.added == [id(.playbook, "snapshot-for-restart")])
        #expect(result.diff.removed.isEmpty)
    }

    static let helpers = SourceFile(
        path: "config/helpers.yaml",
        text: """
            kind: playbook
            name: greet-twice
            manual: true
            steps:
              - name: first
                call: say
                with: {text: hello}
              - name: last
                notify: done
            ---
            kind: playbook
            name: say
            manual: true
            params:
              text: {type: string}
            steps:
              - name: say-it
                notify: "said {{ text }}"

            """)

    @Test func inlineReplacesACallByTheCalleesSteps() throws {
        let files = shipped + [Self.helpers]
        let inline = try intent("name: i\nintent: inline\ntarget: {kind: playbook, name: greet-twice}")
        let change = try planner.plan(inline, files: files, context: RefactorContext())
        let result = try outcome(files, change)
        #expect(result.newDiagnostics.isEmpty)
        #expect(result.diff.changed == [id(.playbook, "greet-twice")])
        #expect(result.diff.added.isEmpty && result.diff.removed.isEmpty)
        #expect(result.after.last?.text.contains("notify: said hello") == true)
    }

    @Test func inlineRefusesTemplatedArguments() throws {
        let inline = try intent("name: i\nintent: inline\ntarget: {kind: playbook, name: relieve-memory-pressure}")
        #expect(throws: RefactorError.self) { try planner.plan(inline, files: shipped, context: RefactorContext()) }
    }

    @Test func addParamDeclaresAParameterWithADefault() throws {
        let add = try intent("name: a\nintent: add_param\ntarget: {kind: playbook, name: heal-hung-kernel}")
        let parameter = RefactorContext.Parameter(name: "reason", type: "string", defaultValue: .string("hung"))
        let change = try planner.plan(add, files: shipped, context: RefactorContext(parameter: parameter))
        let result = try outcome(shipped, change)
        // The new parameter is unused until a step refers to it: the one new diagnostic is that warning.
        #expect(result.newDiagnostics == [DiagnosticCode.unusedParameter.rawValue])
        #expect(result.diff.changed == [id(.playbook, "heal-hung-kernel")])
        #expect(result.diff.added.isEmpty && result.diff.removed.isEmpty)
    }

    @Test func promoteSignatureAddsASignatureDocument() throws {
        let promote = try intent("name: p\nintent: promote_signature\ntarget: {kind: playbook, name: restart-kernel}")
        let binding = RefactorContext.LearnedBinding(
            name: "learned-refused", pattern: "connection to <*> refused", playbook: "restart-kernel", kernel: "api",
            arguments: [("kernel", "{{ event.kernel }}")], examples: ["connection to 10.0.0.7:5432 refused"])
        let change = try planner.plan(promote, files: shipped, context: RefactorContext(binding: binding))
        let result = try outcome(shipped, change)
        #expect(result.newDiagnostics.isEmpty)
        #expect(result.diff.added == [id(.signature, "learned-refused")])
        #expect(result.diff.changed.isEmpty && result.diff.removed.isEmpty)
    }

    @Test func fixInvalidIsLeftToTheRepairPlanners() throws {
        let fix = try intent("name: f\nintent: fix_invalid\ntarget: {kind: playbook, name: restart-kernel}")
        #expect(throws: RefactorError.self) { try planner.plan(fix, files: shipped, context: RefactorContext()) }
    }

    @Test func removeUnreachableRemovesOnlyPlaybooksNothingRuns() throws {
        let orphan = SourceFile(
            path: "config/orphan.yaml", text: "kind: playbook\nname: orphan\nsteps:\n  - name: n\n    notify: hi\n")
        let files = shipped + [orphan]
        let before = compiler.compile(files).diagnostics.filter { $0.code == .unreachablePlaybook }
        let remove = try intent("name: u\nintent: remove_unreachable\ntarget: {kind: playbook}")
        let change = try planner.plan(remove, files: files, context: RefactorContext())
        let result = try outcome(files, change)
        #expect(result.newDiagnostics.isEmpty)
        #expect(result.diff.removed.contains(id(.playbook, "orphan")))
        #expect(result.diff.removed.count == before.count)
        #expect(result.diff.changed.isEmpty && result.diff.added.isEmpty)
    }

    @Test func mergeDuplicateTriggersKeepsTheFirst() throws {
        let copy = SourceFile(
            path: "config/copy.yaml",
            text: """
                kind: trigger
                name: kernel-crashed-again
                description: The same as kernel-crashed.
                when: {exit: "*"}
                run: heal-crashed-kernel
                with: {kernel: "{{ event.kernel }}"}
                coalesce: 5s

                """)
        let files = shipped + [copy]
        let merge = try intent("name: m\nintent: merge_duplicate_triggers\ntarget: {kind: trigger}")
        let change = try planner.plan(merge, files: files, context: RefactorContext())
        let result = try outcome(files, change)
        #expect(result.newDiagnostics.isEmpty)
        #expect(result.diff.removed == [id(.trigger, "kernel-crashed-again")])
        #expect(result.diff.changed.isEmpty && result.diff.added.isEmpty)
    }

    @Test func addHealthProbeGivesAKernelWithoutOneATCPProbe() throws {
        // The shipped indexer without its probe.
        let index = try #require(shipped.firstIndex { $0.path == "config/kernels.yaml" })
        let editor = try YAMLEditor(shipped[index])
        let document = try #require(editor.documents.firstIndex { $0.root?["name"]?.text == "indexer" })
        var files = shipped
        files[index] = try shipped[index].applying(editor.removeKey("health", from: YAMLPath(document: document)))
        let probe = try intent("name: h\nintent: add_health_probe\ntarget: {kind: kernel, name: indexer}")
        let change = try planner.plan(probe, files: files, context: RefactorContext(port: 8085))
        let result = try outcome(files, change)
        #expect(result.newDiagnostics.isEmpty)
        #expect(result.diff.changed == [id(.kernel, "indexer")])
        #expect(result.diff.added.isEmpty && result.diff.removed.isEmpty)
        #expect(change.edits.first?.replacement.contains("health:\n  tcp: \"127.0.0.1:8085\"") == true)
    }

    @Test func eachIntentAcceptsItsTargetKinds() {
        #expect(RefactorIntent.Intent.add_health_probe.targetKinds == [.kernel])
        #expect(RefactorIntent.Intent.merge_duplicate_triggers.targetKinds == [.trigger])
        #expect(RefactorIntent.Intent.remove_unreachable.targetKinds == [.playbook])
        let bad = compiler.compile([
            SourceFile(
                path: "i.yaml", text: "kind: refactor\nname: x\nintent: add_health_probe\ntarget: {kind: trigger}\n")
        ])
        #expect(bad.diagnostics.contains { $0.message.contains("cannot target a trigger") })
    }
}
