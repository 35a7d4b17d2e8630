import ConfigRepair
import GraceDSL

/// `fix_invalid` and `repair_playbook`: the compiler's fix-its and the deterministic repairs of `ConfigRepair`,
/// as one change that makes the tree compile (or, failing that, removes what it can). Offers nothing for a tree
/// that already compiles.
struct RepairTaskPlanner: TaskPlanner {
    let options: CompilerOptions
    var name: String { "repair" }

    func plan(_ context: PlanningContext) async -> [PlannedChange] {
        guard context.task.type == "fix_invalid" || context.task.type == "repair_playbook",
            !context.compiled.compiles
        else { return [] }
        let outcome = RepairEngine(options: options).repair(context.files)
        guard !outcome.steps.isEmpty, outcome.compiles else { return [] }
        let summaries = outcome.steps.map { step in
            "\(step.diagnostic.span.file):\(step.diagnostic.span.start.line):\(step.diagnostic.span.start.column): "
                + "\(step.diagnostic.code.rawValue): \(step.change.summary)"
        }
        let first = outcome.steps[0]
        let summary =
            outcome.steps.count == 1
            ? "fix \(first.diagnostic.code.rawValue) in \(first.diagnostic.span.file): \(first.change.summary)"
            : "fix \(outcome.steps.count) diagnostics (\(Set(outcome.steps.map(\.diagnostic.code.rawValue)).sorted().joined(separator: ", ")))"
        var change = ConfigChange.replacing(
            context.files, with: outcome.files, summary: summary, origin: first.change.origin)
        change.fixes = outcome.steps.map(\.diagnostic.code.rawValue)
        return [PlannedChange(change: change, reasons: summaries, planner: name)]
    }
}

/// `repair_playbook` (and `fix_invalid` when no repair worked): put the files that no longer compile back to the
/// newest known-good revision (else HEAD), keeping every other file as it is.
struct LastGoodFilePlanner: TaskPlanner {
    var name: String { "last-good" }

    func plan(_ context: PlanningContext) async -> [PlannedChange] {
        guard context.task.type == "repair_playbook" || context.task.type == "fix_invalid",
            !context.compiled.compiles, let git = context.git
        else { return [] }
        let broken = Set(
            context.compiled.diagnostics.filter { $0.severity == .error }.map(\.span.file)
                + (context.task.inputs.path.map { [$0] } ?? []))
        var plans: [PlannedChange] = []
        for revision in [context.knownGood, "HEAD"].compactMap({ $0 }) {
            var files = context.files
            var restored: [String] = []
            for (i, file) in files.enumerated() where broken.contains(file.path) {
                guard let text = try? await git.git(["show", "\(revision):\(file.path)"]) else { continue }
                files[i].text = text
                restored.append(file.path)
            }
            guard !restored.isEmpty, files != context.files else { continue }
            let label = revision == "HEAD" ? "the last commit" : "known-good revision \(revision.prefix(12))"
            let change = ConfigChange.replacing(
                context.files, with: files, summary: "restore \(restored.joined(separator: ", ")) from \(label)",
                origin: .repair)
            plans.append(
                PlannedChange(
                    change: change,
                    reasons: restored.map { "\($0) does not compile; its text at \(label) does" }, planner: name))
        }
        return plans
    }
}
