import GraceDSL

extension RefactorPlanner {
    /// `remove_unreachable`: removes the playbooks the compiler reports nothing can run (G403), repeatedly, as
    /// a playbook only an unreachable one called becomes unreachable too. With `target.name`, only that one.
    func removeUnreachable(_ intent: RefactorIntent, _ workspace: inout RefactorWorkspace) throws -> String {
        let only = intent.target.name?.value
        var removed: [String] = []
        for _ in 0..<16 {
            let result = Compiler(options: compilerOptions).compile(workspace.files)
            let names = result.diagnostics.filter { $0.code == .unreachablePlaybook }.compactMap { diagnostic in
                result.documents.first {
                    $0.header.kind == .playbook && $0.header.name.span == diagnostic.span
                }?.header.name.value
            }.filter { only == nil || $0 == only }
            guard !names.isEmpty else { break }
            for name in names {
                let location = try workspace.find(.playbook, name)
                try workspace.apply(location.file) { try $0.removeDocument(at: location.document) }
                removed.append(name)
            }
        }
        guard !removed.isEmpty else { throw RefactorError.noChange("every playbook can run") }
        return "remove unreachable playbooks " + removed.map { "`\($0)`" }.joined(separator: ", ")
    }

    /// `merge_duplicate_triggers`: of triggers that are the same but for `name`, `description` and `labels`,
    /// keeps the first and removes the others, pointing their references at the one kept. With `target.name`,
    /// only that trigger's duplicates.
    func mergeDuplicateTriggers(_ intent: RefactorIntent, _ workspace: inout RefactorWorkspace) throws -> String {
        let triggers = try workspace.documents(.trigger)
        func essence(_ root: YAMLNode) -> YAMLShape {
            guard case .mapping(let entries) = YAMLShape(root) else { return YAMLShape(root) }
            let ignored: Set<YAMLShape> = [.scalar("name"), .scalar("description"), .scalar("labels")]
            return .mapping(entries.filter { !ignored.contains($0.key) })
        }
        var groups: [YAMLShape: [String]] = [:]
        var order: [YAMLShape] = []
        for trigger in triggers {
            guard let name = trigger.root["name"]?.text else { continue }
            let key = essence(trigger.root)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(name)
        }
        var merged: [String] = []
        for key in order {
            guard let names = groups[key], names.count > 1, let kept = names.first else { continue }
            if let only = intent.target.name?.value, !names.contains(only) { continue }
            for duplicate in names.dropFirst() {
                let location = try workspace.find(.trigger, duplicate)
                try workspace.apply(location.file) { try $0.removeDocument(at: location.document) }
                _ = try replaceReferences(to: duplicate, of: .trigger, with: kept, in: &workspace)
                merged.append("`\(duplicate)` into `\(kept)`")
            }
        }
        guard !merged.isEmpty else { throw RefactorError.noChange("no two triggers are the same") }
        return "merge duplicate triggers " + merged.joined(separator: ", ")
    }
}
