import ConfigRepair
import Foundation
import GraceDSL
import Interpreter
import Logging
import Runtime

/// Planning a task and passing its candidate changes through the gate; committing the first that passes.
extension AgentWorker {
    func plan(_ queued: AgentTask) async throws {
        var task = try store.transition(
            queued.id, from: [.queued, .planning, .verifying], to: .planning,
            detail: queued.state == .queued
                ? "planning" : "planning again (the agent stopped while \(queued.state.rawValue))",
            countAttempt: true)
        if let git, let commit = await git.commit(withTrailer: "Grace-Task: \(task.id)") {
            task = try store.transition(
                task.id, from: [.planning], to: .committed,
                detail: "found its commit \(commit.prefix(12)) made before the agent stopped", commit: commit)
            try await reloadAndWatch(task)
            return
        }
        guard task.attempts <= configuration.maxAttempts else {
            try store.transition(
                task.id, from: [.planning], to: .failed,
                detail:
                    "gave up after \(configuration.maxAttempts) attempts (the agent stopped while planning each time)")
            return
        }
        if task.type == "verify" {
            let open =
                (try? store.tasks(limit: 1000, states: [.queued, .planning, .verifying, .committed, .watching]))?
                .filter { $0.id != task.id }.count ?? 0
            try store.transition(
                task.id, from: [.planning], to: .done,
                detail: "the agent answers; its queue holds \(open) unfinished task(s) besides this one")
            return
        }
        let files = try workspace.read()
        let before = CompileGate(options: workspace.options).compile(files)
        if (task.type == "fix_invalid" || task.type == "repair_playbook"), before.compiles {
            try store.transition(
                task.id, from: [.planning], to: .done, detail: "the configuration compiles already; nothing to change")
            return
        }
        let knownGood = Self.knownGood(watch.journal)
        let context = PlanningContext(
            task: task, files: files, compiled: before, git: git, knownGood: knownGood,
            patterns: { [store] cause in (try? store.patterns(for: cause)) ?? [] })
        var candidates: [PlannedChange] = []
        for planner in planners {
            // The language model is the last resort: asked only when the rules have nothing to offer.
            if planner is LLMPlanner, !candidates.isEmpty { break }
            candidates += await planner.plan(context)
        }
        if let error = llm.lastError { logger.warning("agent: task \(task.id): llm: \(error)") }
        guard !candidates.isEmpty else {
            let outcome: AgentTaskState = task.type == "diagnose" || task.type == "tune" ? .done : .failed
            try store.transition(
                task.id, from: [.planning], to: outcome,
                detail: outcome == .done
                    ? "diagnosed: no configuration change is called for by what the task names"
                        + (task.inputs.line.map { " (line: \($0.prefix(200)))" } ?? "")
                    : "no planner proposed a change for \(task.type)"
                        + (before.compiles ? "" : " (\(before.result.errorCount) errors remain)")
                        + (llm.lastError.map { " (llm: \($0))" } ?? ""))
            return
        }
        task = try store.transition(
            task.id, from: [.planning], to: .verifying, detail: "\(candidates.count) candidate change(s) to check")
        let settings = before.result.graceSettings?.agent
        let reference = before.compiles ? nil : await referenceTree(knownGood: knownGood)
        var refusals: [String] = []
        for candidate in candidates {
            let verdict = await gate.judge(candidate, before: before, reference: reference, settings: settings)
            logger.info(
                "agent: task \(task.id): \(candidate.planner): \(candidate.change.summary): \(verdict.passed ? "passed" : "refused")",
                metadata: ["gate": .string(verdict.lines.joined(separator: "; "))])
            if verdict.passed, let after = verdict.after {
                try await commit(candidate, verdict: verdict, after: after, before: before, task: task)
                return
            }
            refusals.append("\(candidate.planner): \(verdict.lines.last ?? "refused")")
        }
        try store.transition(
            task.id, from: [.verifying], to: .failed,
            detail: "no change passed the gate: " + refusals.joined(separator: "; "))
    }

    func commit(
        _ planned: PlannedChange, verdict: AgentGate.Verdict, after: CompiledTree, before: CompiledTree,
        task: AgentTask
    ) async throws {
        let changed = after.files.filter { !before.files.contains($0) }
        let message = Self.commitMessage(planned, verdict: verdict, task: task)
        if planned.approval == .review {
            guard let git else {
                try store.transition(
                    task.id, from: [.verifying], to: .failed,
                    detail: "the change needs a review, which needs a git repository: \(planned.change.summary)")
                return
            }
            let branch = "grace-agent/task-\(task.id)"
            let commit = try await git.commitOnBranch(
                branch, files: Dictionary(uniqueKeysWithValues: changed.map { ($0.path, $0.text) }), message: message,
                as: .agent)
            try store.transition(
                task.id, from: [.verifying], to: .needsReview,
                detail: "waiting for `grace agent approve \(task.id)`: \(planned.change.summary) (branch \(branch))",
                commit: commit, branch: branch, summary: planned.change.summary, files: changed.map(\.path))
            return
        }
        // The tree must still be what the gate judged: a person's edit meanwhile sends the task back to planning.
        let now = try workspace.read()
        guard Set(now) == Set(before.files) else {
            try store.transition(
                task.id, from: [.verifying], to: .queued,
                detail: "the files changed while the change was checked; planning again")
            return
        }
        try workspace.write(changed)
        var commit: String?
        if let git {
            do {
                commit = try await git.commit(paths: changed.map(\.path), message: message, as: .agent)
            } catch {
                try? workspace.write(before.files.filter { file in changed.contains { $0.path == file.path } })
                throw error
            }
        }
        if let pattern = planned.pattern { pendingPatterns[task.id] = pattern }
        let updated = try store.transition(
            task.id, from: [.verifying], to: .committed,
            detail: "\(planned.change.summary) [\(planned.planner)]"
                + (git == nil
                    ? " (written; no git repository)"
                    : commit == nil ? " (the files are now as committed at HEAD: no commit needed)" : ""),
            commit: commit, summary: planned.change.summary, files: changed.map(\.path))
        try await reloadAndWatch(updated, kernels: verdict.kernels)
    }

    static func commitMessage(_ planned: PlannedChange, verdict: AgentGate.Verdict, task: AgentTask) -> String {
        var lines = ["agent: \(planned.change.summary)", ""]
        lines += planned.reasons.map { "- \($0)" }
        lines.append("")
        lines += verdict.lines.map { "gate: \($0)" }
        lines.append("")
        lines.append("Grace-Task: \(task.id)")
        lines.append("Grace-Task-Type: \(task.type)")
        lines.append("Grace-Planner: \(planned.planner)")
        if let signature = task.inputs.signature { lines.append("Grace-Signature: \(signature)") }
        if let code = task.inputs.diagnostic { lines.append("Grace-Diagnostic: \(code)") }
        if let run = task.inputs.run { lines.append("Grace-Run: \(run)") }
        if let intent = planned.intent { lines.append("Grace-Intent: \(intent)") }
        return lines.joined(separator: "\n")
    }

    /// The newest revision of the tree that compiles: the known-good one, else HEAD; nil without git.
    func referenceTree(knownGood: String?) async -> CompiledTree? {
        guard let git else { return nil }
        for revision in [knownGood, "HEAD"].compactMap({ $0 }) {
            guard let files = try? await git.yamlFiles(at: revision, under: workspace.includes) else { continue }
            let tree = CompileGate(options: workspace.options).compile(files)
            if tree.compiles { return tree }
        }
        return nil
    }

    static func knownGood(_ journal: StateStore?) -> String? {
        guard let entry = try? journal?.lastEntry(kind: JournalKind.configKnownGood.rawValue),
            case .configKnownGood(_, let revision) = entry.event
        else { return nil }
        return revision
    }
}
