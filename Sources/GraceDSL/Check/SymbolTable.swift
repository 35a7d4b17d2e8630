/// Every named document of a configuration, by kind, in a deterministic order.
struct SymbolTable {
    var grace: GraceSettings?
    var kernels = NamedDocuments<Kernel>()
    var triggers = NamedDocuments<Trigger>()
    var playbooks = NamedDocuments<Playbook>()
    var signatures = NamedDocuments<Signature>()
    var refactors = NamedDocuments<RefactorIntent>()
    var fleets = NamedDocuments<Fleet>()
    var chaos = NamedDocuments<ChaosScenario>()
    var gates = NamedDocuments<Gate>()
    /// Documents that were written but did not decode (their errors are already reported). References to them
    /// are not reported again, and checks that need the whole picture (reachability) stand down.
    var failed: Set<DocumentID> = []
    /// Documents of each kind in source order (the compiler feeds files sorted by path), for checks whose
    /// report order matters; cheaper than sorting large structs by span.
    var kernelsInOrder: [Kernel] { kernels.values }
    var triggersInOrder: [Trigger] { triggers.values }
    var playbooksInOrder: [Playbook] { playbooks.values }
    var signaturesInOrder: [Signature] { signatures.values }
    var refactorsInOrder: [RefactorIntent] { refactors.values }
    var fleetsInOrder: [Fleet] { fleets.values }
    var chaosInOrder: [ChaosScenario] { chaos.values }
    var gatesInOrder: [Gate] { gates.values }
    /// Instance name -> (fleet, instance), across fleets.
    var instances: [String: (fleet: String, instance: Fleet.Instance)] = [:]

    /// Registers every document; reports duplicates (G105) and keeps the first.
    init(documents: [Document], sink: DiagnosticSink) {
        // Where each name was first defined (only the span is needed, not the whole header).
        var seen: [DocumentKind: [String: SourceSpan]] = [:]
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
                    notes: [Note("first defined here", at: first)])
                continue
            }
            seen[header.kind, default: [:]][key] = header.name.span
            switch document {
            case .grace(let d): grace = d
            case .kernel(let d):
                kernels.append(d, named: name)
            case .trigger(let d):
                triggers.append(d, named: name)
            case .playbook(let d):
                playbooks.append(d, named: name)
            case .signature(let d):
                signatures.append(d, named: name)
            case .refactor(let d):
                refactors.append(d, named: name)
            case .fleet(let d):
                fleets.append(d, named: name)
            case .chaos(let d):
                chaos.append(d, named: name)
            case .gate(let d):
                gates.append(d, named: name)
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
        if !failed.isEmpty && failed.contains(DocumentID(kind: kind, name: name)) { return true }
        return switch kind {
        case .grace: grace?.header.name.value == name
        case .kernel: kernels.index(forKey: name) != nil
        case .trigger: triggers.index(forKey: name) != nil
        case .playbook: playbooks.index(forKey: name) != nil
        case .signature: signatures.index(forKey: name) != nil
        case .refactor: refactors.index(forKey: name) != nil
        case .fleet: fleets.index(forKey: name) != nil
        case .chaos: chaos.index(forKey: name) != nil
        case .gate: gates.index(forKey: name) != nil
        }
    }

}

/// The documents of one kind: stored once, in source order, with an index by name. (Two stores, a dictionary
/// of documents and an array in order, kept two inline copies of every document: ~50 MB at 100k documents.)
struct NamedDocuments<Value> {
    /// In source order.
    private(set) var values: [Value] = []
    private var indices: [String: Int] = [:]

    /// Adds a document whose name is not yet taken (the symbol table reports duplicates before adding).
    mutating func append(_ value: Value, named name: String) {
        indices[name] = values.count
        values.append(value)
    }

    subscript(name: String) -> Value? {
        indices[name].map { values[$0] }
    }

    /// Whether a document has this name, without copying the document.
    func index(forKey name: String) -> Int? { indices[name] }

    var keys: Dictionary<String, Int>.Keys { indices.keys }
    var isEmpty: Bool { values.isEmpty }
}

extension NamedDocuments: Sendable where Value: Sendable {}
