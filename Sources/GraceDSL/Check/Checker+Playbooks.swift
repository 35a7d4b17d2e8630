extension Checker {
    func checkPlaybooks() {
        for playbook in table.playbooksInOrder {
            checkPlaybook(playbook)
        }
    }

    private func checkPlaybook(_ playbook: Playbook) {
        let name = playbook.header.name.value
        let scope = TemplateScope.playbook(playbook)
        var used: Set<String> = []
        for parameter in playbook.params {
            if let value = parameter.defaultValue {
                var ignored: Set<String> = []
                checkValue(value, for: parameter, scope: TemplateScope(names: [:]), used: &ignored)
            }
        }
        var earlierSteps: [String: SourceSpan] = [:]
        for step in playbook.steps {
            checkStep(step, in: playbook, scope: scope, earlier: &earlierSteps, used: &used)
        }
        if let success = playbook.success {
            for kernel in success.healthy {
                checkTarget(kernel, type: .value(.kernel), scope: scope, used: &used)
            }
        }
        if let next = playbook.onFailure {
            resolve(next, kind: .playbook, context: "on_failure of playbook `\(name)`")
        }
        for parameter in playbook.params where playbook.isComplete && !used.contains(parameter.name.value) {
            sink.emit(
                .unusedParameter,
                "parameter `\(parameter.name.value)` of playbook `\(name)` is never used", at: parameter.name.span,
                notes: [Note("use it as `{{ \(parameter.name.value) }}` in a step, or remove it")])
        }
    }

    private func checkStep(
        _ step: Step, in playbook: Playbook, scope: TemplateScope, earlier: inout [String: SourceSpan],
        used: inout Set<String>
    ) {
        if let condition = step.condition {
            checkStepCondition(condition, scope: scope, earlier: earlier, used: &used)
        }
        for target in step.action.targets where !(step.action.keyword == "agent_task") {
            checkTarget(target.value, type: target.type, scope: scope, used: &used)
        }
        for text in step.action.texts where Template.looksTemplated(text.value) {
            checkTemplate(text, scope: scope, used: &used)
        }
        switch step.action {
        case .shedLoad(let tier, _) where tier.value == "critical":
            sink.emit(
                .invalidValue, "`critical` kernels are never shed; `shed_load` takes `background` or `standard`",
                at: tier.span)
        case .exec(let command, _, _, _):
            checkExecutable(command, what: "a step of playbook `\(playbook.header.name.value)`")
        case .call(let callee, let arguments):
            if !Template.looksTemplated(callee.value), let target = table.playbooks[callee.value] {
                checkArguments(
                    arguments, to: target, scope: scope, missingAt: callee.span,
                    caller: "`call` in playbook `\(playbook.header.name.value)`")
            }
        case .agentTask(_, _, let refactor):
            if let refactor { resolve(refactor, kind: .refactor) }
        default:
            break
        }
        for undo in step.undo {
            var undoEarlier = earlier
            checkStep(undo, in: playbook, scope: scope, earlier: &undoEarlier, used: &used)
        }
        if let name = step.name {
            if let first = earlier[name.value] {
                sink.emit(
                    .duplicateName, "step `\(name.value)` is defined twice in playbook `\(playbook.header.name.value)`",
                    at: name.span, notes: [Note("first defined here", at: first)])
            } else {
                earlier[name.value] = name.span
            }
        }
    }

    private func checkStepCondition(
        _ condition: StepCondition, scope: TemplateScope, earlier: [String: SourceSpan], used: inout Set<String>
    ) {
        switch condition {
        case .healthy(let k), .running(let k):
            checkTarget(k, type: .value(.kernel), scope: scope, used: &used)
        case .fileExists(let path):
            if Template.looksTemplated(path.value) { checkTemplate(path, scope: scope, used: &used) }
        case .equals(let a, let b):
            for t in [a, b] where Template.looksTemplated(t.value) { checkTemplate(t, scope: scope, used: &used) }
        case .step(let name, _):
            if earlier[name.value] == nil {
                report(
                    unknown: name, what: "step", code: .unknownStep, candidates: Array(earlier.keys),
                    context: "`if` (only earlier steps can be tested)")
            }
        case .not(let inner):
            checkStepCondition(inner, scope: scope, earlier: earlier, used: &used)
        case .all(let parts), .any(let parts):
            for part in parts { checkStepCondition(part, scope: scope, earlier: earlier, used: &used) }
        }
    }

    func checkEscalationAndCallCycles() {
        var escalations = CycleFinder()
        var calls = CycleFinder()
        for playbook in table.playbooks.values {
            let name = playbook.header.name.value
            if let next = playbook.onFailure, table.playbooks.index(forKey: next.value) != nil {
                escalations.add(from: name, to: next.value, at: next.span)
            }
            func collect(_ steps: [Step]) {
                for step in steps {
                    if case .call(let callee, _) = step.action, table.playbooks.index(forKey: callee.value) != nil {
                        calls.add(from: name, to: callee.value, at: callee.span)
                    }
                    collect(step.undo)
                }
            }
            collect(playbook.steps)
        }
        for cycle in escalations.cycles() {
            guard let first = cycle.first else { continue }
            let chain = ([first.from] + cycle.map(\.to)).map { "`\($0)`" }.joined(separator: " -> ")
            sink.emit(
                .escalationCycle, "escalation cycle: \(chain); a failure would escalate forever", at: first.span,
                notes: cycle.dropFirst().map { Note("`\($0.from)` escalates to `\($0.to)` here", at: $0.span) })
        }
        for cycle in calls.cycles() {
            guard let first = cycle.first else { continue }
            let chain = ([first.from] + cycle.map(\.to)).map { "`\($0)`" }.joined(separator: " -> ")
            sink.emit(
                .callCycle, "call cycle: \(chain); the playbooks would call each other forever", at: first.span,
                notes: cycle.dropFirst().map { Note("`\($0.from)` calls `\($0.to)` here", at: $0.span) })
        }
    }

    /// Playbooks that nothing can ever run: no trigger, signature, escalation or call reaches them.
    func checkReachability() {
        // A trigger or signature that did not decode may be the one that runs a playbook.
        guard !table.anyFailed([.trigger, .signature, .playbook]), !someDocumentsUnread else { return }
        var reached: Set<String> = []
        var queue: [String] = []
        func reach(_ name: String) {
            guard table.playbooks.index(forKey: name) != nil, !reached.contains(name) else { return }
            reached.insert(name)
            queue.append(name)
        }
        for trigger in table.triggers.values where trigger.enabled {
            if let run = trigger.run { reach(run.value) }
        }
        for signature in table.signatures.values { if let bound = signature.playbook { reach(bound.value) } }
        for playbook in table.playbooks.values where playbook.manual { reach(playbook.header.name.value) }
        for fleet in table.fleets.values { if let promotion = fleet.failover.playbook { reach(promotion.value) } }
        while let name = queue.popLast() {
            guard let playbook = table.playbooks[name] else { continue }
            if let next = playbook.onFailure { reach(next.value) }
            func collect(_ steps: [Step]) {
                for step in steps {
                    if case .call(let callee, _) = step.action { reach(callee.value) }
                    collect(step.undo)
                }
            }
            collect(playbook.steps)
        }
        for playbook in table.playbooksInOrder
        where !reached.contains(playbook.header.name.value) {
            sink.emit(
                .unreachablePlaybook,
                "playbook `\(playbook.header.name.value)` can never run: no trigger, signature, escalation, call or "
                    + "fleet promotion leads to it", at: playbook.header.name.span,
                notes: [Note("add `manual: true` if it is meant for `grace playbook run` only")])
        }
    }
}
