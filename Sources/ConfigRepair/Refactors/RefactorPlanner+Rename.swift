import GraceDSL

extension RefactorPlanner {
    /// `rename`: the document's `name` and every scalar value elsewhere that is exactly the old name (other
    /// documents' own `name` and `description` excepted).
    func rename(_ intent: RefactorIntent, _ context: RefactorContext, _ workspace: inout RefactorWorkspace) throws
        -> String
    {
        guard let newName = context.newName else {
            throw RefactorError.missingContext(intent: "rename", needs: "`newName`")
        }
        let kind = intent.target.kind.value
        let oldName = try targetName(intent)
        guard try workspace.documents(kind).allSatisfy({ $0.root["name"]?.text != newName }) else {
            throw RefactorError.notApplicable("a \(kind.rawValue) named `\(newName)` already exists")
        }
        _ = try workspace.find(kind, oldName)
        let count = try replaceReferences(to: oldName, of: kind, with: newName, in: &workspace)
        return "rename \(kind.rawValue) `\(oldName)` to `\(newName)` (\(count) places)"
    }

    /// Sets every scalar value that is exactly `oldName` to `newName`, except other documents' `name` (and any
    /// `description`); the document of `kind` named `oldName` gets the new name. Returns how many it set.
    func replaceReferences(
        to oldName: String, of kind: DocumentKind, with newName: String, in workspace: inout RefactorWorkspace
    ) throws -> Int {
        var count = 0
        for file in workspace.files.indices {
            let editor = try workspace.editor(file)
            var paths: [YAMLPath] = []
            for (d, document) in editor.documents.enumerated() {
                guard let root = document.root else { continue }
                let ownKind = root["kind"]?.text == kind.rawValue
                collect(root, YAMLPath(document: d), into: &paths) { path, text in
                    guard text == oldName else { return false }
                    if path.components == [.key("name")] { return ownKind }
                    return path.components.last != .key("description")
                }
            }
            guard !paths.isEmpty else { continue }
            count += paths.count
            try workspace.apply(file) { editor in
                try paths.flatMap { try editor.setScalar(at: $0, to: newName) }
            }
        }
        return count
    }

    /// The paths of the scalar values under `node` (outside aliases) that `matches`.
    private func collect(
        _ node: YAMLNode, _ path: YAMLPath, into paths: inout [YAMLPath], _ matches: (YAMLPath, String) -> Bool
    ) {
        guard !node.isAlias, node.anchor == nil else { return }
        switch node.content {
        case .scalar(let s): if matches(path, s.text) { paths.append(path) }
        case .sequence(let items):
            for (i, item) in items.enumerated() { collect(item, path.index(i), into: &paths, matches) }
        case .mapping(let pairs):
            for pair in pairs {
                if let key = pair.key.text, node[key] == pair.value {
                    collect(pair.value, path.key(key), into: &paths, matches)
                }
            }
        }
    }
}
