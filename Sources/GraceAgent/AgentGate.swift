import ConfigRepair
import Foundation
import GraceDSL
import Interpreter
import Runtime

/// Everything a change must pass before the agent commits it, in order:
/// 1. the tree compiles after it, with no error or warning that was not there before (errors already present
///    elsewhere do not block an unrelated fix);
/// 2. only the documents it edits changed in the graph (what `grace plan` would show);
/// 3. the playbooks it touches pass a dry run (every step resolves; actions this build cannot perform are noted);
/// 4. the policy allows it: `may_change`, `protected`, `max_commits_per_hour`; a change to a trigger is replayed over
///    the recorded history first, and what it would have done differently is a line of the verdict (and so of the
///    commit message), never a refusal;
/// 5. `agent.verify` and the intent's `verify` commands pass, run on a scratch copy of the tree with the change.
public struct AgentGate: Sendable {
    /// The tree.
    public var workspace: AgentWorkspace
    /// Runs the verify commands.
    public var runner: ProcessCommandRunner
    /// Commits made since a time (for `max_commits_per_hour`).
    public var commitsSince: @Sendable (Date) -> Int
    /// Longest one verify command may take.
    public var verifyTimeout: Duration = .seconds(120)
    /// Grace's state database: changes to triggers are replayed over its history (`grace replay`); nil, not replayed.
    public var history: StateStore?
    /// How far back a change to a trigger is replayed when its planner names no window.
    public var replayWindow: Duration = .seconds(86_400)

    /// The gate's verdict on one change.
    public struct Verdict: Sendable {
        /// Whether the change may be committed.
        public var passed: Bool
        /// One line per check, as it went (`compile: removes G106, adds none`).
        public var lines: [String]
        /// The tree after the change (when it applied).
        public var after: CompiledTree?
        /// Documents (`kind/name`) the change adds, removes or changes.
        public var documents: DocumentChanges
        /// Kernels the change touches: changed kernel documents and the kernels changed triggers and playbooks
        /// act on (what the watch window watches).
        public var kernels: Set<String>
    }

    /// What a change to triggers would have decided differently over the last `window` of recorded history.
    static func replayLine(old: ExecutionGraph, new: ExecutionGraph, history: StateStore, window: Duration) -> String {
        let to = Date()
        let over = "the last \(DurationParser.format(window))"
        do {
            let report = try HistoryReplay.compare(
                then: old, now: new, store: history, from: to.addingTimeInterval(-Double(window.milliseconds) / 1000),
                to: to)
            let sentences = report.sentences(over: over)
            guard !sentences.isEmpty else {
                return "replay: over \(over) the change decides as before (\(report.firedThen) firing(s), "
                    + "\(report.runsThen) run(s))"
            }
            return "replay: " + sentences.joined(separator: "; ")
        } catch {
            return "replay: not replayed: \(error)"
        }
    }

    /// A gate over `workspace`.
    public init(
        workspace: AgentWorkspace, runner: ProcessCommandRunner, commitsSince: @escaping @Sendable (Date) -> Int
    ) {
        self.workspace = workspace
        self.runner = runner
        self.commitsSince = commitsSince
    }

    /// Judges `planned` against the tree `before`. `reference` is what the graph and policy checks compare with
    /// when `before` does not compile (the newest known-good revision, else HEAD): a file that no longer parses
    /// has lost its documents, and its repair must not count as changing them all.
    public func judge(
        _ planned: PlannedChange, before: CompiledTree, reference: CompiledTree? = nil,
        settings: GraceSettings.Agent?
    ) async -> Verdict {
        var verdict = Verdict(
            passed: false, lines: [], after: nil, documents: DocumentChanges(from: [:], to: [:]), kernels: [])
        // 1. compile
        let compiled = CompileGate(options: workspace.options).evaluate(planned.change, on: before)
        verdict.after = compiled.after
        verdict.documents = compiled.changedDocuments
        guard compiled.accepted else {
            verdict.lines.append("compile: refused: \(compiled.reason)")
            return verdict
        }
        guard let after = compiled.after, let graph = after.result.graph, after.result.errorCount == 0 else {
            verdict.lines.append("compile: refused: the tree still does not compile after the change")
            return verdict
        }
        verdict.lines.append("compile: \(compiled.reason)")
        // 2. only the intended documents
        if !before.compiles, let reference, let old = reference.result.graph {
            verdict.documents = DocumentChanges(GraphDiff(from: old.documentHashes, to: graph.documentHashes))
        }
        let intended = Self.documents(touchedBy: planned.change, in: before)
            .union(Self.documents(touchedBy: planned.change, in: after, after: true))
        let changed = Set(verdict.documents.added + verdict.documents.removed + verdict.documents.changed)
        let stray = changed.subtracting(intended)
        guard stray.isEmpty else {
            verdict.lines.append(
                "plan: refused: documents it does not edit changed: \(stray.sorted().joined(separator: ", "))")
            return verdict
        }
        verdict.lines.append(
            "plan: " + (changed.isEmpty ? "no document changed" : "changes \(changed.sorted().joined(separator: ", "))")
        )
        verdict.kernels = Self.kernels(touchedBy: changed, in: graph)
        // 3. dry runs
        let executor = PlaybookExecutor(
            graph: graph, performer: DryRunPerformer(), journal: DryRunJournal(), clock: ContinuousClock())
        for id in changed.sorted() where id.hasPrefix("playbook/") {
            let name = String(id.dropFirst("playbook/".count))
            guard let playbook = graph.playbook(name) else { continue }
            var arguments: [String: String] = [:]
            for parameter in playbook.params where parameter.required { arguments[parameter.name.value] = "dry-run" }
            let lines = executor.dryRun(name, arguments: arguments, unavailable: RuntimeActionPerformer.unsupported)
            if let bad = lines.first(where: { $0.contains("cannot resolve") || $0.hasPrefix("no playbook") }) {
                verdict.lines.append("dry run: refused: playbook \(name): \(bad)")
                return verdict
            }
            // Actions this build cannot perform are not the change's doing (they fail the same before it): noted,
            // never blocking, as linters should block only on new errors.
            let unavailable = lines.filter { $0.contains("NOT IN THIS BUILD") }.count
            verdict.lines.append(
                "dry run: playbook \(name): \(lines.count) steps resolve"
                    + (unavailable > 0 ? " (\(unavailable) use actions this build does not perform)" : ""))
        }
        // 4. replay, then policy
        if changed.contains(where: { $0.hasPrefix("trigger/") }), let history,
            let old = (before.compiles ? before : reference)?.result.graph
        {
            verdict.lines.append(
                Self.replayLine(old: old, new: graph, history: history, window: planned.replayWindow ?? replayWindow))
        }
        if let refusal = policyRefusal(changed: changed, graph: graph, before: before, settings: settings) {
            verdict.lines.append("policy: refused: \(refusal)")
            return verdict
        }
        verdict.lines.append("policy: allowed")
        // 5. verify commands
        // A command both `agent.verify` and the intent name runs once.
        var commands: [[String]] = []
        for command in (settings?.verify.map(\.value.arguments) ?? []) + planned.verify
        where !commands.contains(command) {
            commands.append(command)
        }
        if !commands.isEmpty {
            let files = after.files.filter { file in !before.files.contains(file) }
            let scratch: URL
            do {
                scratch = try workspace.scratchCopy(with: files)
            } catch {
                verdict.lines.append("verify: refused: could not prepare a scratch copy: \(error)")
                return verdict
            }
            defer { try? FileManager.default.removeItem(at: scratch) }
            for command in commands {
                let outcome = try? await runner.run(
                    command, timeout: verifyTimeout, workingDirectory: scratch.path, environment: [:])
                guard let outcome, outcome.status == 0, !outcome.timedOut else {
                    let output = outcome.map { String($0.output.suffix(400)) } ?? "could not be started"
                    verdict.lines.append("verify: refused: `\(command.joined(separator: " "))` failed: \(output)")
                    return verdict
                }
                verdict.lines.append("verify: `\(command.joined(separator: " "))` passed")
            }
        }
        verdict.passed = true
        return verdict
    }

    /// Why the policy refuses a change of `changed`; nil when it allows it.
    func policyRefusal(
        changed: Set<String>, graph: ExecutionGraph, before: CompiledTree, settings: GraceSettings.Agent?
    ) -> String? {
        guard let settings else { return "no grace document: no agent policy" }
        let allowed = Set(settings.mayChange.map(\.rawValue))
        let protected = Set(settings.protected.map(\.value))
        for id in changed.sorted() {
            let parts = id.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if !allowed.contains(parts[0]) {
                return "`may_change` does not include \(parts[0]) (\(id))"
            }
            if protected.contains(parts[1]) {
                return "\(parts[1]) is protected"
            }
        }
        let recent = commitsSince(Date().addingTimeInterval(-3600))
        if recent >= settings.maxCommitsPerHour {
            return "\(recent) commits in the last hour reach `max_commits_per_hour: \(settings.maxCommitsPerHour)`"
        }
        return nil
    }

    /// `kind/name` of every document of `tree` whose text one of the change's edits falls in. In the tree before
    /// the change an edit covers its own range; in the tree after, the range its replacement now fills (shifted by
    /// the edits before it in the file).
    static func documents(touchedBy change: ConfigChange, in tree: CompiledTree, after: Bool = false) -> Set<String> {
        var ranges: [String: [Range<Int>]] = [:]
        for (file, edits) in Dictionary(grouping: change.edits, by: \.file) {
            var shift = 0
            for edit in edits.sorted(by: { $0.start < $1.start }) {
                let length = after ? edit.replacement.utf8.count : edit.end - edit.start
                let start = edit.start + (after ? shift : 0)
                // An empty range still touches the document it sits in.
                ranges[file, default: []].append(start..<(start + max(length, 1)))
                shift += edit.replacement.utf8.count - (edit.end - edit.start)
            }
        }
        var ids: Set<String> = []
        for document in tree.result.documents {
            let header = document.header
            let span = header.span.start.offset..<max(header.span.end.offset, header.span.start.offset + 1)
            if ranges[header.span.file, default: []].contains(where: { $0.overlaps(span) }) {
                ids.insert("\(header.kind.rawValue)/\(header.name.value)")
            }
        }
        return ids
    }

    /// Kernels a change of `changed` documents acts on, in `graph`.
    static func kernels(touchedBy changed: Set<String>, in graph: ExecutionGraph) -> Set<String> {
        var kernels: Set<String> = []
        for id in changed {
            let parts = id.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "kernel": kernels.insert(parts[1])
            case "trigger", "playbook", "signature":
                for edge in graph.edges where edge.from.name == parts[1] && edge.to.kind == .kernel {
                    kernels.insert(edge.to.name)
                }
            default: break
            }
        }
        return kernels
    }
}
