import GraceDSL

extension RefactorPlanner {
    /// `add_param`: adds `name: {type: T, default: D}` to the playbook's `params` (creating `params`). The
    /// default is required, so no caller has to pass the new parameter.
    func addParam(_ intent: RefactorIntent, _ context: RefactorContext, _ workspace: inout RefactorWorkspace) throws
        -> String
    {
        guard let parameter = context.parameter else {
            throw RefactorError.missingContext(intent: "add_param", needs: "`parameter`")
        }
        let name = try targetName(intent)
        let location = try workspace.find(.playbook, name)
        let definition = YAMLValue.mapping([("type", .plain(parameter.type)), ("default", parameter.defaultValue)])
        let root = YAMLPath(location)
        if let params = location.root["params"] {
            guard params[parameter.name] == nil else {
                throw RefactorError.noChange("`\(name)` already has a parameter `\(parameter.name)`")
            }
            try workspace.apply(location.file) {
                try $0.addKey(parameter.name, value: definition, to: root.key("params"))
            }
        } else {
            try workspace.apply(location.file) {
                try $0.addKey("params", value: .mapping([(parameter.name, definition)]), to: root)
            }
        }
        return "add parameter `\(parameter.name)` (\(parameter.type)) to playbook `\(name)`"
    }

    /// `promote_signature`: a learned binding becomes a `kind: signature` document, appended to the file that
    /// holds the signatures (or the playbook's file).
    func promoteSignature(
        _ intent: RefactorIntent, _ context: RefactorContext, _ workspace: inout RefactorWorkspace
    ) throws -> String {
        guard let binding = context.binding else {
            throw RefactorError.missingContext(intent: "promote_signature", needs: "`binding`")
        }
        if intent.target.kind.value == .playbook, let name = intent.target.name?.value, name != binding.playbook {
            throw RefactorError.notApplicable("the binding heals with `\(binding.playbook)`, not `\(name)`")
        }
        guard try workspace.documents(.signature).allSatisfy({ $0.root["name"]?.text != binding.name }) else {
            throw RefactorError.notApplicable("a signature named `\(binding.name)` already exists")
        }
        let file = try workspace.documents(.signature).first?.file ?? workspace.find(.playbook, binding.playbook).file
        var entries: [(String, YAMLValue)] = [("kind", .plain("signature")), ("name", .string(binding.name))]
        if let kernel = binding.kernel { entries.append(("kernel", .string(kernel))) }
        entries += [
            ("pattern", .string(binding.pattern)), ("severity", .plain(binding.severity)),
            ("playbook", .string(binding.playbook)),
        ]
        if !binding.arguments.isEmpty {
            entries.append(("with", .mapping(binding.arguments.map { ($0.0, YAMLValue.string($0.1)) })))
        }
        if !binding.examples.isEmpty {
            entries.append(("examples", .sequence(binding.examples.map { YAMLValue.string($0) })))
        }
        let document = YAMLValue.mapping(entries)
        try workspace.apply(file) { $0.addDocument(document) }
        return
            "promote the learned binding `\(binding.pattern)` -> `\(binding.playbook)` to signature `\(binding.name)`"
    }

    /// `add_health_probe`: a kernel without `health` gets `health: {tcp: "127.0.0.1:PORT"}`, or an `http`
    /// probe when the context names a path that answered.
    func addHealthProbe(_ intent: RefactorIntent, _ context: RefactorContext, _ workspace: inout RefactorWorkspace)
        throws -> String
    {
        guard let port = context.port, (1...65535).contains(port) else {
            throw RefactorError.missingContext(intent: "add_health_probe", needs: "`port` (1-65535)")
        }
        let name = try targetName(intent)
        let location = try workspace.find(.kernel, name)
        guard location.root["health"] == nil else { throw RefactorError.noChange("kernel `\(name)` has a probe") }
        let probe: (String, String)
        if let path = context.httpPath {
            probe = ("http", "http://127.0.0.1:\(port)" + (path.hasPrefix("/") ? path : "/" + path))
        } else {
            probe = ("tcp", "127.0.0.1:\(port)")
        }
        try workspace.apply(location.file) {
            try $0.addKey("health", value: .mapping([(probe.0, .string(probe.1))]), to: YAMLPath(location))
        }
        return "give kernel `\(name)` a \(probe.0) health probe on \(probe.1)"
    }
}
