import GraceDSL

extension RefactorPlanner {
    /// `extract_playbook`: steps `context.steps` of the playbook move into a new playbook `context.newName`
    /// (appended to the same file), replaced by one `call` step. Parameters the moved steps use are declared on
    /// the new playbook as on the old one and passed through.
    func extractPlaybook(
        _ intent: RefactorIntent, _ context: RefactorContext, _ workspace: inout RefactorWorkspace
    ) throws -> String {
        guard let range = context.steps, let newName = context.newName, !range.isEmpty else {
            throw RefactorError.missingContext(intent: "extract_playbook", needs: "`steps` and `newName`")
        }
        let name = try targetName(intent)
        guard try workspace.documents(.playbook).allSatisfy({ $0.root["name"]?.text != newName }) else {
            throw RefactorError.notApplicable("a playbook named `\(newName)` already exists")
        }
        let location = try workspace.find(.playbook, name)
        guard let steps = location.root["steps"]?.sequence, range.lowerBound >= 0, range.upperBound <= steps.count
        else { throw RefactorError.notApplicable("playbook `\(name)` has no steps \(range)") }
        let moved = Array(steps[range])
        let used = (location.root["params"]?.mapping ?? []).filter { pair in
            guard let param = pair.key.text else { return false }
            return moved.contains { mentions($0, param) }
        }
        var document: [(String, YAMLValue)] = [
            ("kind", .plain("playbook")), ("name", .string(newName)),
            ("description", .string("Steps \(range.lowerBound + 1)-\(range.upperBound) of \(name), extracted.")),
        ]
        if !used.isEmpty {
            document.append(("params", .mapping(used.map { ($0.key.text ?? "", YAMLValue($0.value)) })))
        }
        document.append(("steps", .sequence(moved.map(YAMLValue.init))))
        var call: [(String, YAMLValue)] = [("name", .string(newName)), ("call", .string(newName))]
        if !used.isEmpty {
            call.append(
                ("with", .mapping(used.map { ($0.key.text ?? "", YAMLValue.string("{{ \($0.key.text ?? "") }}")) })))
        }
        let stepsPath = YAMLPath(location).key("steps")
        try workspace.apply(location.file) { try $0.insertItem(.mapping(call), at: range.upperBound, in: stepsPath) }
        for index in range.reversed() {
            let current = try workspace.find(.playbook, name)
            try workspace.apply(current.file) {
                try $0.removeItem(at: YAMLPath(current).key("steps").index(index))
            }
        }
        try workspace.apply(location.file) { $0.addDocument(.mapping(document)) }
        return "extract steps \(range.lowerBound + 1)-\(range.upperBound) of playbook `\(name)` into `\(newName)`"
    }

    /// `inline`: a `call` step of the playbook is replaced by the callee's steps, its parameters substituted by
    /// the literal arguments (or defaults). Refused when an argument is itself a template.
    func inline(_ intent: RefactorIntent, _ context: RefactorContext, _ workspace: inout RefactorWorkspace) throws
        -> String
    {
        let name = try targetName(intent)
        let location = try workspace.find(.playbook, name)
        let steps = location.root["steps"]?.sequence ?? []
        guard let index = context.step ?? steps.firstIndex(where: { $0["call"] != nil }),
            steps.indices.contains(index), let callee = steps[index]["call"]?.text
        else { throw RefactorError.notApplicable("playbook `\(name)` has no `call` step to inline") }
        let target = try workspace.find(.playbook, callee)
        var bindings: [String: YAMLNode] = [:]
        for pair in target.root["params"]?.mapping ?? [] {
            guard let param = pair.key.text else { continue }
            if let argument = steps[index]["with"]?[param] {
                guard argument.text.map({ !$0.contains("{{") }) ?? false else {
                    throw RefactorError.notApplicable("argument `\(param)` of the call to `\(callee)` is not a literal")
                }
                bindings[param] = argument
            } else if let fallback = pair.value["default"] {
                bindings[param] = fallback
            } else {
                throw RefactorError.notApplicable("the call to `\(callee)` does not pass `\(param)`")
            }
        }
        let inlined = (target.root["steps"]?.sequence ?? []).map { substitute(YAMLValue($0), bindings) }
        let stepsPath = YAMLPath(location).key("steps")
        for step in inlined.reversed() {
            try workspace.apply(location.file) { try $0.insertItem(step, at: index + 1, in: stepsPath) }
        }
        try workspace.apply(location.file) { try $0.removeItem(at: stepsPath.index(index)) }
        return "inline the call to `\(callee)` in playbook `\(name)` (\(inlined.count) steps)"
    }

    /// Whether a scalar under `node` mentions `{{ param }}` (or `{{ param.field }}`, `{{ param | filter }}`).
    private func mentions(_ node: YAMLNode, _ param: String) -> Bool {
        switch node.content {
        case .scalar(let s):
            s.text.contains("{{ \(param) ") || s.text.contains("{{ \(param).")
                || s.text.contains("{{\(param)}}") || s.text.contains("{{ \(param)}}")
        case .sequence(let items): items.contains { mentions($0, param) }
        case .mapping(let pairs): pairs.contains { mentions($0.value, param) }
        }
    }

    /// `value` with `{{ param }}` replaced by the bound literal: a whole-template scalar takes the literal's
    /// value, a template inside text its text.
    private func substitute(_ value: YAMLValue, _ bindings: [String: YAMLNode]) -> YAMLValue {
        switch value {
        case .string(let text), .plain(let text):
            for (param, node) in bindings {
                let template = "{{ \(param) }}"
                if text == template { return YAMLValue(node) }
            }
            guard text.contains("{{") else { return value }
            var result = text
            for (param, node) in bindings {
                result = result.replacing("{{ \(param) }}", with: node.text ?? "")
            }
            if case .plain = value { return .plain(result) }
            return .string(result)
        case .mapping(let entries): return .mapping(entries.map { ($0.0, substitute($0.1, bindings)) })
        case .sequence(let items): return .sequence(items.map { substitute($0, bindings) })
        }
    }
}
