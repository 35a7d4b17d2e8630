import ConfigRepair
import Foundation
import GraceDSL
import Interpreter
import Logging
import Runtime

/// After a commit: the reload, the watch window, and the revert of a change that made things worse.
extension AgentWorker {
    func reloadAndWatch(_ task: AgentTask, kernels: Set<String>? = nil) async throws {
        let watched = (kernels ?? []).union(task.inputs.kernel.map { [$0] } ?? [])
        let mark = watch.mark(kernels: watched)
        let answer = await reload()
        guard answer.ok else {
            try await revert(task, evidence: "Grace refused the reload: \(answer.message)")
            return
        }
        let window = watchWindow()
        let until = Date().addingTimeInterval(window / .seconds(1))
        let recorded = AgentWatch.Recorded(mark: mark, kernels: watched.sorted())
        let encodedMark = (try? JSONEncoder().encode(recorded)).map { String(decoding: $0, as: UTF8.self) }
        let updated = try store.transition(
            task.id, from: [.committed], to: .watching,
            detail:
                "reloaded (\(answer.message)); watching \(watched.isEmpty ? "the configuration" : watched.sorted().joined(separator: ", ")) until \(ISO8601DateFormatter().string(from: until))",
            watchUntil: until, watchMark: encodedMark)
        try await finishWatching(updated)
    }

    func finishWatching(_ task: AgentTask) async throws {
        // As recorded when the window opened, also by an agent that has died since.
        let recorded = task.watchMark.flatMap {
            try? JSONDecoder().decode(AgentWatch.Recorded.self, from: Data($0.utf8))
        }
        let mark = recorded?.mark ?? watch.mark(kernels: Set(task.inputs.kernel.map { [$0] } ?? []))
        let kernels = Set(recorded?.kernels ?? task.inputs.kernel.map { [$0] } ?? [])
        let until = task.watchUntil ?? Date()
        let finding = task.inputs.line.flatMap(MissingParameterPlanner.finding(in:))
        // The window's length is what was recorded when it opened: from the mark to its end.
        let window = recorded.map { Duration.seconds(until.timeIntervalSince($0.mark.time)) } ?? watchWindow()
        let baseline = watch.failuresBefore(kernels, window: window, mark: mark)
        // The evidence is in another process's journal and a kernel's log file, which send this process no events:
        // they are read again every 200 ms, and once more when the window has ended.
        while true {
            beat()
            if let evidence = worse(kernels: kernels, mark: mark, baseline: baseline, finding: finding, task: task) {
                try await revert(task, evidence: evidence)
                return
            }
            guard Date() < until else { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        if let pattern = pendingPatterns.removeValue(forKey: task.id) {
            try? store.savePattern(cause: pattern.cause, body: pattern.body, task: task.id)
        }
        try store.transition(
            task.id, from: [.watching], to: .done,
            detail: "held through its watch window: \(task.summary ?? task.detail)")
    }

    /// Evidence that the change made things worse; nil while it holds.
    func worse(
        kernels: Set<String>, mark: AgentWatch.Mark, baseline: Int, finding: MissingParameterPlanner.Finding?,
        task: AgentTask
    ) -> String? {
        let failures = watch.failures(of: kernels, since: mark)
        if failures.count > baseline {
            return
                "\(failures.count) failure(s) of the kernels it touched after the reload (\(baseline) in as long before): "
                + failures.prefix(3).joined(separator: "; ")
        }
        if let finding, let kernel = task.inputs.kernel {
            let again = watch.logLines(of: kernel, since: mark) {
                MissingParameterPlanner.finding(in: $0)?.parameter == finding.parameter
            }
            if let line = again.first { return "\(kernel) still logs the error after the reload: \(line.suffix(200))" }
        }
        return nil
    }

    func revert(_ task: AgentTask, evidence: String) async throws {
        pendingPatterns[task.id] = nil
        guard let git, let commit = task.commit else {
            try store.transition(
                task.id, from: [.committed, .watching], to: .needsReview,
                detail: "made things worse and cannot be reverted without git: \(evidence)")
            return
        }
        let revert: String
        do {
            revert = try await git.revert(
                commit, trailers: ["Grace-Task: \(task.id)", "Grace-Revert-Reason: \(evidence.prefix(200))"], as: .agent
            )
        } catch {
            try store.transition(
                task.id, from: [.committed, .watching], to: .needsReview,
                detail: "made things worse and its revert failed (\(error)); a person must look: \(evidence)")
            return
        }
        let answer = await reload()
        try store.transition(
            task.id, from: [.committed, .watching], to: .reverted,
            detail: "reverted by \(revert.prefix(12)): \(evidence) (reload: \(answer.message))")
    }

    /// `knowledge.success_window` of the running configuration, else the configured default, else 30 s.
    func watchWindow() -> Duration {
        if let files = try? workspace.read(),
            let graph = Compiler(options: CompilerOptions(checkExecutables: false, root: workspace.root)).compile(files)
                .graph,
            let window = graph.settings?.knowledge.successWindow
        {
            return window
        }
        return configuration.watchWindow ?? .seconds(30)
    }
}
