/// Builds the `ExecutionGraph` from a checked symbol table: boot order and every edge.
struct GraphBuilder {
    let table: SymbolTable
    let documentHashes: [DocumentID: String]

    func build() -> ExecutionGraph {
        var edges: [GraphEdge] = []
        let kernels = bootOrder()
        for kernel in kernels {
            for dep in kernel.dependsOn {
                edges.append(
                    GraphEdge(
                        from: .init(.kernel, kernel.header.name.value), to: .init(.kernel, dep.value), kind: .dependsOn)
                )
            }
        }
        let triggers = table.triggers.values.sorted { $0.header.name.value < $1.header.name.value }
        for trigger in triggers {
            let from = GraphNodeID(.trigger, trigger.header.name.value)
            if let run = trigger.run {
                let label = trigger.with.map { "\($0.name.value)=\($0.value.text ?? "…")" }.sorted().joined(
                    separator: ", ")
                edges.append(
                    GraphEdge(
                        from: from, to: .init(.playbook, run.value), kind: .runs, label: label.isEmpty ? nil : label))
            }
            for watched in watchedNames(trigger.when.condition) {
                let kind: GraphNodeID.Kind =
                    GraceSettings.componentNames.contains(watched) && table.kernels[watched] == nil
                    ? .component : .kernel
                edges.append(
                    GraphEdge(
                        from: from, to: .init(kind, watched), kind: .watches, label: trigger.when.condition.keyword))
            }
        }
        let playbooks = table.playbooks.values.sorted { $0.header.name.value < $1.header.name.value }
        for playbook in playbooks {
            let name = playbook.header.name.value
            let from = GraphNodeID(.playbook, name)
            for (index, step) in playbook.steps.enumerated() {
                let stepID = GraphNodeID(.step, "\(name)#\(index + 1)")
                edges.append(GraphEdge(from: from, to: stepID, kind: .step, label: step.action.keyword))
                for target in step.action.targets {
                    let value = target.value.value
                    switch (step.action, target.type) {
                    case (.call, _):
                        edges.append(GraphEdge(from: stepID, to: .init(.playbook, value), kind: .calls))
                    case (_, .value(.kernel)), (_, .kernelOrGrace):
                        edges.append(
                            GraphEdge(
                                from: stepID, to: .init(.kernel, value), kind: .actsOn, label: step.action.keyword))
                    case (_, .value(.fleet)):
                        edges.append(
                            GraphEdge(from: stepID, to: .init(.fleet, value), kind: .actsOn, label: step.action.keyword)
                        )
                    case (_, .value(.instance)), (_, .instanceOrAuto):
                        edges.append(
                            GraphEdge(
                                from: stepID, to: .init(.instance, value), kind: .actsOn, label: step.action.keyword))
                    default:
                        break
                    }
                }
            }
            if let next = playbook.onFailure {
                edges.append(GraphEdge(from: from, to: .init(.playbook, next.value), kind: .escalatesTo))
            }
        }
        let signatures = table.signatures.values.sorted { $0.header.name.value < $1.header.name.value }
        for signature in signatures {
            guard let bound = signature.playbook else { continue }
            edges.append(
                GraphEdge(
                    from: .init(.signature, signature.header.name.value), to: .init(.playbook, bound.value), kind: .runs
                ))
        }
        let fleets = table.fleets.values.sorted { $0.header.name.value < $1.header.name.value }
        for fleet in fleets {
            for instance in fleet.instances {
                edges.append(
                    GraphEdge(
                        from: .init(.fleet, fleet.header.name.value), to: .init(.instance, instance.name.value),
                        kind: .member, label: instance.role.value.rawValue))
            }
        }
        let chaos = table.chaos.values.sorted { $0.header.name.value < $1.header.name.value }
        for scenario in chaos {
            let name = scenario.header.name.value
            let from = GraphNodeID(.chaos, name)
            let fault = GraphNodeID(.fault, "\(name)/\(scenario.fault.keyword)")
            edges.append(GraphEdge(from: from, to: fault, kind: .injects))
            let target = scenario.fault.target
            let kind: GraphNodeID.Kind =
                target.type == .playbook ? .playbook : target.type == .instance ? .instance : .kernel
            edges.append(
                GraphEdge(
                    from: fault, to: .init(kind, target.name.value), kind: .injects, label: scenario.fault.keyword))
            if let expect = scenario.expect {
                if let t = expect.trigger {
                    edges.append(GraphEdge(from: from, to: .init(.trigger, t.value), kind: .expects))
                }
                if let p = expect.playbook {
                    edges.append(GraphEdge(from: from, to: .init(.playbook, p.value), kind: .expects))
                }
            }
            for gate in scenario.gates {
                edges.append(GraphEdge(from: from, to: .init(.gate, gate.value), kind: .gatedBy))
            }
        }
        let refactors = table.refactors.values.sorted { $0.header.name.value < $1.header.name.value }
        for intent in refactors {
            if let target = intent.target.name, let kind = GraphNodeID.Kind(rawValue: intent.target.kind.value.rawValue)
            {
                edges.append(
                    GraphEdge(
                        from: .init(.refactor, intent.header.name.value), to: .init(kind, target.value), kind: .changes,
                        label: intent.target.field?.value))
            }
        }
        return ExecutionGraph(
            documentHashes: documentHashes, settings: table.grace, kernels: kernels, triggers: triggers,
            playbooks: playbooks, signatures: signatures, refactors: refactors, fleets: fleets, chaos: chaos,
            gates: table.gates.values.sorted { $0.header.name.value < $1.header.name.value },
            edges: Array(Set(edges)).sorted())
    }

    /// Depth-first, dependencies first, visiting kernels by name: deterministic and linear.
    private func bootOrder() -> [Kernel] {
        var order: [Kernel] = []
        var state: [String: Bool] = [:]  // false: visiting, true: done
        func visit(_ name: String) {
            guard state[name] == nil, let kernel = table.kernels[name] else { return }
            state[name] = false
            for dep in kernel.dependsOn.map(\.value).sorted() { visit(dep) }
            state[name] = true
            order.append(kernel)
        }
        for name in table.kernels.keys.sorted() { visit(name) }
        return order
    }

    private func watchedNames(_ condition: Condition) -> [String] {
        switch condition {
        case .exit(let t, _, _, _), .health(let t, _), .silence(let t, _), .restarts(let t, _, _), .gaveUp(let t):
            return t.value == "*" ? [] : [t.value]
        case .metric(_, let k, _, _), .predict(_, let k, _, _, _), .anomaly(_, let k, _, _, _), .log(_, let k, _, _, _),
            .signature(_, let k, _, _), .file(_, let k, _), .certificate(_, let k, _, _):
            return k.map { $0.value == "*" ? [] : [$0.value] } ?? []
        case .deadlock(let members, _):
            return members.map(\.value)
        case .all(let parts, _), .any(let parts):
            return parts.flatMap { watchedNames($0.condition) }
        case .configInvalid, .memberLost, .every, .cron:
            return []
        }
    }
}
