extension Checker {
    /// Parses a template and checks every name it uses is in scope. Returns the template, or nil after reporting.
    @discardableResult
    func checkTemplate(_ text: Located<String>, scope: TemplateScope, used: inout Set<String>) -> Template? {
        switch Template.parse(text.value) {
        case .failure(let error):
            sink.emit(.templateSyntax, "template `\(text.value)`: \(error.message)", at: text.span)
            return nil
        case .success(let template):
            var ok = true
            for path in template.placeholders {
                let name = path.joined(separator: ".")
                used.insert(name)
                guard scope.type(of: path) == nil else { continue }
                ok = false
                let candidates = scope.names.keys.sorted()
                let guess = Suggestion.closest(to: name, in: candidates)
                var notes: [Note] = []
                if !candidates.isEmpty {
                    notes.append(Note("names in scope: " + candidates.map { "`\($0)`" }.joined(separator: ", ")))
                }
                sink.emit(
                    .templateUnknownName,
                    "template uses `\(name)`, which is not in scope" + (guess.map { "; did you mean `\($0)`?" } ?? ""),
                    at: text.span, notes: notes)
            }
            return ok ? template : nil
        }
    }

    /// Checks a target slot (`restart: api`, `restart: "{{ kernel }}"`) against the type it needs.
    func checkTarget(_ ref: Located<String>, type: Action.TargetType, scope: TemplateScope, used: inout Set<String>) {
        if Template.looksTemplated(ref.value) {
            guard let template = checkTemplate(ref, scope: scope, used: &used) else { return }
            guard let path = template.singlePlaceholder else {
                if case .value(let t) = type, t == .string || t == .path { return }
                sink.emit(
                    .typeMismatch, "`\(ref.value)` mixes text and placeholders where a \(describe(type)) is expected",
                    at: ref.span)
                return
            }
            guard let actual = scope.type(of: path) else { return }
            if !accepts(type, actual) {
                sink.emit(
                    .typeMismatch,
                    "`\(path.joined(separator: "."))` is a \(actual.rawValue) but a \(describe(type)) is expected here",
                    at: ref.span)
            }
            return
        }
        switch type {
        case .kernelOrGrace:
            if ref.value != "grace" && table.kernels.index(forKey: ref.value) == nil {
                unknown(ref, kind: .kernel, extra: ["grace"])
            }
        case .tierOrAll:
            if ref.value != "all" && Kernel.Tier(rawValue: ref.value) == nil {
                ValueReader(sink: sink).invalidChoice(
                    YAMLNode(.scalar(YAMLScalar(ref.value)), span: ref.span), text: ref.value, field: "tier",
                    options: Kernel.Tier.allCases.map(\.rawValue) + ["all"])
            }
        case .instanceOrAuto:
            if ref.value != "auto" { resolveInstance(ref) }
        case .component:
            if !GraceSettings.componentNames.contains(ref.value) {
                let guess = Suggestion.closest(to: ref.value, in: GraceSettings.componentNames)
                sink.emit(
                    .unknownComponent,
                    "unknown component `\(ref.value)`" + (guess.map { "; did you mean `\($0)`?" } ?? ""),
                    at: ref.span, notes: [Note("components: " + GraceSettings.componentNames.joined(separator: ", "))],
                    fixIts: guess.map { [FixIt("replace with `\($0)`", span: ref.span, replacement: $0)] } ?? [])
            }
        case .value(let t):
            checkLiteral(ref, type: t)
        }
    }

    private func accepts(_ slot: Action.TargetType, _ actual: ValueType) -> Bool {
        switch slot {
        case .kernelOrGrace: actual == .kernel || actual == .string
        case .tierOrAll: actual == .tier || actual == .string
        case .instanceOrAuto: actual == .instance
        case .component: actual == .string
        case .value(let t): t.accepts(actual)
        }
    }

    private func describe(_ type: Action.TargetType) -> String {
        switch type {
        case .kernelOrGrace: "kernel (or `grace`)"
        case .tierOrAll: "tier (or `all`)"
        case .instanceOrAuto: "fleet instance (or `auto`)"
        case .component: "component of Grace"
        case .value(let t): t.rawValue
        }
    }

    /// A literal value written where `type` is expected.
    func checkLiteral(_ ref: Located<String>, type: ValueType) {
        switch type {
        case .kernel: resolve(ref, kind: .kernel)
        case .playbook: resolve(ref, kind: .playbook)
        case .fleet: resolve(ref, kind: .fleet)
        case .signature: resolve(ref, kind: .signature)
        // `self`: whichever instance runs the step (a playbook shared by a whole fleet).
        case .instance: if ref.value != "self" { resolveInstance(ref) }
        case .string, .path: break
        case .tier:
            if Kernel.Tier(rawValue: ref.value) == nil {
                ValueReader(sink: sink).invalidChoice(
                    YAMLNode(.scalar(YAMLScalar(ref.value)), span: ref.span), text: ref.value, field: "tier",
                    options: Kernel.Tier.allCases.map(\.rawValue))
            }
        default:
            if !literal(ref.value, quoted: false, fits: type) {
                sink.emit(.typeMismatch, "`\(ref.value)` is not a \(type.rawValue)", at: ref.span)
            }
        }
    }

    private func literal(_ text: String, quoted: Bool, fits type: ValueType) -> Bool {
        switch type {
        case .int: return !quoted && Int(text) != nil
        case .number: return !quoted && Double(text) != nil
        case .bool: return !quoted && (text == "true" || text == "false")
        case .duration: return DurationParser.parse(text) != nil
        case .bytes: return ByteSize.parse(text) != nil
        case .percent: return Percent.parse(text).map { (0...100).contains($0.value) } ?? false
        case .signal: return Signal.parse(text) != nil
        case .tier: return Kernel.Tier(rawValue: text) != nil
        default: return true
        }
    }

    /// Checks a value passed for a parameter (`with: {kernel: api}`) against the parameter's type.
    func checkValue(_ node: YAMLNode, for parameter: Playbook.Parameter, scope: TemplateScope, used: inout Set<String>)
    {
        guard let scalar = node.scalar, !node.isNull else {
            sink.emit(
                .typeMismatch,
                "parameter `\(parameter.name.value)` is a \(parameter.type.rawValue), found \(node.kindDescription)",
                at: node.span)
            return
        }
        let ref = Located(scalar.text, at: node.span)
        if Template.looksTemplated(scalar.text) {
            checkTarget(ref, type: .value(parameter.type), scope: scope, used: &used)
            return
        }
        switch parameter.type {
        case .kernel, .playbook, .fleet, .signature, .instance, .tier, .string, .path:
            checkLiteral(ref, type: parameter.type)
        default:
            if !literal(scalar.text, quoted: node.isQuotedOrString, fits: parameter.type) {
                sink.emit(
                    .typeMismatch,
                    "parameter `\(parameter.name.value)` is a \(parameter.type.rawValue), found `\(scalar.text)`",
                    at: node.span)
            }
        }
    }

    /// Checks the arguments a trigger, signature or `call` passes to `playbook`.
    /// - Parameter missingAt: where a missing required parameter is reported.
    func checkArguments(
        _ arguments: [PlaybookArgument], to playbook: Playbook, scope: TemplateScope, missingAt: SourceSpan,
        caller: String
    ) {
        var used: Set<String> = []
        var given: Set<String> = []
        for argument in arguments {
            let name = argument.name.value
            given.insert(name)
            guard let parameter = playbook.parameter(name) else {
                let candidates = playbook.params.map(\.name.value)
                let guess = Suggestion.closest(to: name, in: candidates)
                sink.emit(
                    .unknownParameter,
                    "playbook `\(playbook.header.name.value)` has no parameter `\(name)`"
                        + (guess.map { "; did you mean `\($0)`?" } ?? ""), at: argument.name.span,
                    notes: [Note("parameters are declared here", at: playbook.header.name.span)],
                    fixIts: guess.map { [FixIt("replace with `\($0)`", span: argument.name.span, replacement: $0)] }
                        ?? [])
                continue
            }
            checkValue(argument.value, for: parameter, scope: scope, used: &used)
        }
        for parameter in playbook.params where parameter.required && !given.contains(parameter.name.value) {
            sink.emit(
                .missingParameter,
                "\(caller) does not pass required parameter `\(parameter.name.value)` "
                    + "(\(parameter.type.rawValue)) of playbook `\(playbook.header.name.value)`",
                at: missingAt, notes: [Note("declared here", at: parameter.name.span)])
        }
    }
}
