/// Every named document of a configuration, by kind, in a deterministic order.
struct SymbolTable {
    var grace: GraceSettings?
    var kernels: [String: Kernel] = [:]
    var triggers: [String: Trigger] = [:]
    var playbooks: [String: Playbook] = [:]
    var signatures: [String: Signature] = [:]
    var refactors: [String: RefactorIntent] = [:]
    var fleets: [String: Fleet] = [:]
    var chaos: [String: ChaosScenario] = [:]
    var gates: [String: Gate] = [:]
    /// Documents that were written but did not decode (their errors are already reported). References to them
    /// are not reported again, and checks that need the whole picture (reachability) stand down.
    var failed: Set<DocumentID> = []
    /// Documents of each kind in source order (the compiler feeds files sorted by path), for checks whose
    /// report order matters; cheaper than sorting large structs by span.
    var kernelsInOrder: [Kernel] = []
    var triggersInOrder: [Trigger] = []
    var playbooksInOrder: [Playbook] = []
    var signaturesInOrder: [Signature] = []
    var refactorsInOrder: [RefactorIntent] = []
    var fleetsInOrder: [Fleet] = []
    var chaosInOrder: [ChaosScenario] = []
    var gatesInOrder: [Gate] = []
    /// Instance name -> (fleet, instance), across fleets.
    var instances: [String: (fleet: String, instance: Fleet.Instance)] = [:]

    /// Registers every document; reports duplicates (G105) and keeps the first.
    init(documents: [Document], sink: DiagnosticSink) {
        var seen: [DocumentKind: [String: DocumentHeader]] = [:]
        for document in documents {
            let header = document.header
            let name = header.name.value
            // There is one `grace` document whatever its name.
            let key = header.kind == .grace ? "" : name
            if let first = seen[header.kind]?[key] {
                let what = header.kind == .grace ? "a second `grace` document" : "\(header.kind.rawValue) `\(name)`"
                sink.emit(
                    .duplicateName,
                    header.kind == .grace
                        ? "\(what); a configuration has exactly one"
                        : "\(what) is defined twice", at: header.name.span,
                    notes: [Note("first defined here", at: first.name.span)])
                continue
            }
            seen[header.kind, default: [:]][key] = header
            switch document {
            case .grace(let d): grace = d
            case .kernel(let d):
                kernels[name] = d
                kernelsInOrder.append(d)
            case .trigger(let d):
                triggers[name] = d
                triggersInOrder.append(d)
            case .playbook(let d):
                playbooks[name] = d
                playbooksInOrder.append(d)
            case .signature(let d):
                signatures[name] = d
                signaturesInOrder.append(d)
            case .refactor(let d):
                refactors[name] = d
                refactorsInOrder.append(d)
            case .fleet(let d):
                fleets[name] = d
                fleetsInOrder.append(d)
            case .chaos(let d):
                chaos[name] = d
                chaosInOrder.append(d)
            case .gate(let d):
                gates[name] = d
                gatesInOrder.append(d)
            }
        }
        for fleet in fleetsInOrder {
            for instance in fleet.instances where instances[instance.name.value] == nil {
                instances[instance.name.value] = (fleet.header.name.value, instance)
            }
        }
    }

    /// Whether any document of these kinds failed to decode.
    func anyFailed(_ kinds: [DocumentKind]) -> Bool { failed.contains { kinds.contains($0.kind) } }

    func names(of kind: DocumentKind) -> [String] {
        switch kind {
        case .grace: grace.map { [$0.header.name.value] } ?? []
        case .kernel: Array(kernels.keys)
        case .trigger: Array(triggers.keys)
        case .playbook: Array(playbooks.keys)
        case .signature: Array(signatures.keys)
        case .refactor: Array(refactors.keys)
        case .fleet: Array(fleets.keys)
        case .chaos: Array(chaos.keys)
        case .gate: Array(gates.keys)
        }
    }

    func contains(_ name: String, kind: DocumentKind) -> Bool {
        if failed.contains(DocumentID(kind: kind, name: name)) { return true }
        return switch kind {
        case .grace: grace?.header.name.value == name
        case .kernel: kernels[name] != nil
        case .trigger: triggers[name] != nil
        case .playbook: playbooks[name] != nil
        case .signature: signatures[name] != nil
        case .refactor: refactors[name] != nil
        case .fleet: fleets[name] != nil
        case .chaos: chaos[name] != nil
        case .gate: gates[name] != nil
        }
    }

}
