import GraceDSL

extension PlaybookExecutor {
    /// What a run would do, without doing it: each step as it would be performed, in order, with its condition,
    /// retries, timeout and whether a failure stops the run. Steps whose action is in `unavailable` (keywords this
    /// build cannot perform) are marked as failing, and so is an escalation or call to a playbook that has such
    /// steps: a dry run says what would not happen as plainly as what would.
    public func dryRun(_ playbook: String, arguments: [String: String], unavailable: Set<String> = []) -> [String] {
        guard let book = graph.playbook(playbook) else { return ["no playbook `\(playbook)`"] }
        let scope = Self.scope(book, arguments: arguments, runID: "dry-run", trigger: nil)
        var lines: [String] = []
        for (i, step) in book.steps.enumerated() {
            let name = step.name?.value ?? "step \(i + 1)"
            var line = "\(i + 1). \(name): "
            if case .call(let callee, _) = step.action {
                let target = render(callee.value, scope)
                line += "call \(target)" + missing(in: target, unavailable: unavailable)
            } else if let action = resolve(step.action, scope: scope) {
                line += action.summary
            } else {
                line += "(cannot resolve \(step.action.keyword))"
            }
            if let condition = step.condition { line += " [if \(Self.describe(condition, scope: scope, self))]" }
            if let retry = step.retry { line += " [retry \(retry.attempts)x]" }
            if let timeout = step.timeout { line += " [timeout \(DurationParser.format(timeout))]" }
            if step.continueOnError { line += " [a failure does not stop the run]" }
            if !step.undo.isEmpty { line += " [undo: \(step.undo.map(\.action.keyword).joined(separator: ", "))]" }
            if unavailable.contains(step.action.keyword) {
                line +=
                    " -- NOT IN THIS BUILD: `\(step.action.keyword)` fails"
                    + (step.continueOnError ? " (the run goes on)" : ", so the run fails here")
            }
            lines.append(line)
        }
        if let success = book.success {
            let kernels = success.healthy.map { render($0.value, scope) }.joined(separator: ", ")
            lines.append("then: \(kernels) healthy within \(DurationParser.format(success.within))")
        }
        if let next = book.onFailure {
            lines.append("on failure: escalate to \(next.value)" + missing(in: next.value, unavailable: unavailable))
        }
        return lines
    }

    /// ` -- NOT IN THIS BUILD: ...` when `playbook` (or what it calls or escalates to) has unavailable steps.
    private func missing(in playbook: String, unavailable: Set<String>) -> String {
        var seen: Set<String> = []
        var queue = [playbook]
        var found: [String] = []
        while let name = queue.popLast() {
            guard seen.insert(name).inserted, let book = graph.playbook(name) else { continue }
            for step in book.steps {
                if unavailable.contains(step.action.keyword) { found.append("\(name): \(step.action.keyword)") }
                if case .call(let callee, _) = step.action, !Template.looksTemplated(callee.value) {
                    queue.append(callee.value)
                }
            }
            if let next = book.onFailure { queue.append(next.value) }
        }
        guard !found.isEmpty else { return "" }
        return " -- NOT IN THIS BUILD: \(found.joined(separator: ", ")) would fail"
    }

    private static func describe(
        _ condition: StepCondition, scope: [String: String], _ executor: PlaybookExecutor
    ) -> String {
        switch condition {
        case .healthy(let k): "\(executor.render(k.value, scope)) is healthy"
        case .running(let k): "\(executor.render(k.value, scope)) is running"
        case .fileExists(let p): "\(executor.render(p.value, scope)) exists"
        case .equals(let a, let b): "\(executor.render(a.value, scope)) == \(executor.render(b.value, scope))"
        case .step(let name, let status): "step \(name.value) \(status.rawValue)"
        case .not(let c): "not (\(describe(c, scope: scope, executor)))"
        case .all(let cs): cs.map { describe($0, scope: scope, executor) }.joined(separator: " and ")
        case .any(let cs): cs.map { describe($0, scope: scope, executor) }.joined(separator: " or ")
        }
    }
}
