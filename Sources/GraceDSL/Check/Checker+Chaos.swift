extension Checker {
    func checkChaosAndGates() {
        var usedGates: Set<String> = []
        for scenario in table.chaosInOrder {
            let name = scenario.header.name.value
            let target = scenario.fault.target
            switch target.type {
            case .string:
                break  // `stress: host`, the only value the decoder accepts
            case .instance: resolveInstance(target.name)
            case .playbook: resolve(target.name, kind: .playbook, context: "chaos `\(name)`")
            default:
                if resolve(target.name, kind: .kernel, context: "chaos `\(name)`"),
                    let kernel = table.kernels[target.name.value]
                {
                    checkFaultApplies(scenario.fault, kernel: kernel)
                }
            }
            if let expect = scenario.expect {
                if let trigger = expect.trigger { resolve(trigger, kind: .trigger, context: "chaos `\(name)`") }
                if let playbook = expect.playbook { resolve(playbook, kind: .playbook, context: "chaos `\(name)`") }
                for kernel in expect.healthy { resolve(kernel, kind: .kernel, context: "chaos `\(name)`") }
                if let trigger = expect.trigger.flatMap({ table.triggers[$0.value] }),
                    let playbook = expect.playbook, let run = trigger.run, run.value != playbook.value,
                    table.playbooks.index(forKey: playbook.value) != nil
                {
                    // The expected trigger runs another playbook; the expectation can still hold through an
                    // escalation or a call, so only a note-free check of reachability is done here.
                    if !reaches(from: run.value, to: playbook.value) {
                        sink.emit(
                            .faultCannotApply,
                            "trigger `\(trigger.header.name.value)` runs `\(run.value)`, which never leads to "
                                + "playbook `\(playbook.value)`", at: playbook.span,
                            notes: [Note("the trigger's playbook", at: run.span)])
                    }
                }
            } else {
                sink.emit(
                    .chaosWithoutExpectation,
                    "chaos `\(name)` states no expected recovery, so a drill cannot pass or fail on it",
                    at: scenario.header.name.span, notes: [Note("add `expect: {healthy: [...], within: ...}`")])
            }
            var probeNames: [String: Located<String>] = [:]
            for probe in scenario.probes {
                if let first = probeNames[probe.name.value] {
                    sink.emit(
                        .duplicateName, "chaos `\(name)` has two probes named `\(probe.name.value)`",
                        at: probe.name.span, notes: [Note("the first", at: first.span)])
                } else {
                    probeNames[probe.name.value] = probe.name
                }
                if case .cmd(let command, _) = probe.check {
                    checkExecutable(command, what: "probe `\(probe.name.value)` of chaos `\(name)`")
                }
            }
            for gate in scenario.gates {
                usedGates.insert(gate.value)
                resolve(gate, kind: .gate, context: "chaos `\(name)`")
            }
        }
        for gate in table.gatesInOrder {
            for check in gate.checks {
                switch check {
                case .availability(let k, _, _), .maxRestarts(let k, _), .errorBudget(let k, _):
                    resolve(k, kind: .kernel, context: "gate `\(gate.header.name.value)`")
                case .timeToHeal(let k, _):
                    resolve(k, kind: .kernel, allowWildcard: true, context: "gate `\(gate.header.name.value)`")
                case .dataLoss, .journalIntact:
                    break
                }
            }
            // A chaos scenario in a part of a file that did not parse may be the one that uses it.
            if !usedGates.contains(gate.header.name.value) && !someDocumentsUnread {
                sink.emit(
                    .unusedGate, "gate `\(gate.header.name.value)` is not used by any chaos scenario",
                    at: gate.header.name.span)
            }
        }
    }

    private func checkFaultApplies(_ fault: ChaosScenario.Fault, kernel: Kernel) {
        let name = kernel.header.name.value
        switch fault {
        case .corrupt(let k, _) where kernel.data.isEmpty:
            sink.emit(
                .faultCannotApply, "kernel `\(name)` declares no `data`, so there is nothing to corrupt", at: k.span,
                notes: [Note("kernel defined here", at: kernel.header.name.span)])
        case .silence(let k, _) where kernel.watchdog == nil:
            sink.emit(
                .faultCannotApply, "kernel `\(name)` declares no `watchdog`, so silencing its heartbeat shows nothing",
                at: k.span, notes: [Note("kernel defined here", at: kernel.header.name.span)])
        case .silence(let k, nil):
            sink.emit(
                .faultCannotApply,
                "only the kernel itself can stop its heartbeat while it keeps serving: `silence` needs `via: URL`",
                at: k.span, notes: [Note("a URL the drill POSTs to, such as the kernel's fault endpoint")])
        case .bindPort(let k, nil) where kernel.ports.isEmpty, .partition(let k, _) where kernel.ports.isEmpty,
            .delay(let k, _, nil, _) where kernel.ports.isEmpty:
            sink.emit(
                .faultCannotApply, "kernel `\(name)` declares no `ports`, so the drill does not know which to take",
                at: k.span, notes: [Note("kernel defined here", at: kernel.header.name.span)])
        case .diskFull(let k, nil, _, _):
            sink.emit(
                .faultCannotApply,
                "`disk_full` needs `path`: the directory of `\(name)` to mount the small filesystem over (its files "
                    + "are hidden until the drill ends, so not its data)", at: k.span)
        default:
            break
        }
    }

    /// Whether running `from` can lead to running `to` through escalations and calls.
    private func reaches(from: String, to: String) -> Bool {
        var seen: Set<String> = []
        var queue = [from]
        while let name = queue.popLast() {
            if name == to { return true }
            guard seen.insert(name).inserted, let playbook = table.playbooks[name] else { continue }
            if let next = playbook.onFailure { queue.append(next.value) }
            func collect(_ steps: [Step]) {
                for step in steps {
                    if case .call(let callee, _) = step.action { queue.append(callee.value) }
                    collect(step.undo)
                }
            }
            collect(playbook.steps)
        }
        return false
    }
}
