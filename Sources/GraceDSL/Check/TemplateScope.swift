/// The names a template may use at one place, with their types: a playbook's parameters and `run.*`, or a
/// trigger's `event.*` fields.
public struct TemplateScope: Sendable {
    var names: [String: ValueType]
    /// Any `event.*` field is taken as a string: the condition names a signature whose document is not known
    /// (it did not decode, or sits in a part of a file that was not read), so its regex's groups are not known
    /// either, and the reference itself is reported (or held back) where the signature is named.
    var acceptsAnyEventField = false

    func type(of path: [String]) -> ValueType? {
        let name = path.joined(separator: ".")
        if let type = names[name] { return type }
        return acceptsAnyEventField && path.first == "event" && path.count == 2 ? .string : nil
    }

    static let runFields: [String: ValueType] = ["run.id": .string, "run.trigger": .string, "run.playbook": .playbook]

    static func playbook(_ playbook: Playbook) -> TemplateScope {
        var names = runFields
        for p in playbook.params { names[p.name.value] = p.type }
        return TemplateScope(names: names)
    }

    /// Event fields a condition provides; `all` provides the union of its parts, `any` the intersection.
    /// `signatures` finds a declared signature document by name: a `signature: NAME` condition also provides the
    /// named groups of that signature's regex.
    static func eventFields(
        of condition: Condition, signatures: (String) -> Signature? = { _ in nil }
    ) -> [String: ValueType] {
        switch condition {
        case .exit: return ["kernel": .kernel, "code": .int, "signal": .signal]
        case .health: return ["kernel": .kernel, "reason": .string]
        case .silence:
            return ["kernel": .kernel, "component": .string]
        case .metric: return ["kernel": .kernel, "value": .number]
        case .predict: return ["kernel": .kernel, "value": .number, "eta": .duration]
        case .anomaly: return ["kernel": .kernel, "value": .number, "score": .number]
        case .log(let pattern, _, _, _, _):
            var fields: [String: ValueType] = ["kernel": .kernel, "line": .string]
            for group in namedGroups(pattern.value) { fields[group] = .string }
            return fields
        case .signature(let target, _, _, _):
            var fields = groupFields(of: signatures(target.value))
            fields.merge(["kernel": .kernel, "line": .string, "signature": .signature]) { _, fixed in fixed }
            return fields
        case .file: return ["kernel": .kernel, "path": .path]
        case .certificate: return ["kernel": .kernel, "path": .path, "expires_in": .duration, "not_after": .string]
        case .restarts: return ["kernel": .kernel, "count": .int]
        case .gaveUp: return ["kernel": .kernel, "reason": .string]
        case .configInvalid: return ["path": .path, "code": .string]
        case .deadlock: return ["members": .string]
        case .memberLost: return ["instance": .instance, "fleet": .fleet]
        case .every, .cron: return [:]
        case .all(let parts, _):
            return parts.reduce(into: [:]) { acc, part in
                acc.merge(eventFields(of: part.condition, signatures: signatures)) { a, _ in a }
            }
        case .any(let parts):
            guard let first = parts.first else { return [:] }
            return parts.dropFirst().reduce(eventFields(of: first.condition, signatures: signatures)) { acc, part in
                let other = eventFields(of: part.condition, signatures: signatures)
                return acc.filter { other[$0.key] == $0.value }
            }
        }
    }

    /// Names of `(?<name>...)` groups in a regex, which log conditions expose as event fields.
    public static func namedGroups(_ pattern: String) -> [String] {
        var names: [String] = []
        var rest = Substring(pattern)
        while let r = rest.range(of: "(?<") {
            let after = rest[r.upperBound...]
            let name = after.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !name.isEmpty, after.dropFirst(name.count).first == ">" { names.append(String(name)) }
            rest = after
        }
        return names
    }

    /// The named groups of a regex signature, as string fields; none for a pattern or no signature.
    static func groupFields(of signature: Signature?) -> [String: ValueType] {
        guard case .regex(let regex)? = signature?.matcher else { return [:] }
        return Dictionary(namedGroups(regex.value).map { ($0, ValueType.string) }) { a, _ in a }
    }

    static func trigger(_ condition: Condition, signatures: (String) -> Signature? = { _ in nil }) -> TemplateScope {
        var names: [String: ValueType] = ["trigger.name": .string]
        for (k, v) in eventFields(of: condition, signatures: signatures) { names["event.\(k)"] = v }
        var scope = TemplateScope(names: names)
        scope.acceptsAnyEventField = namesUnknownSignature(condition, signatures: signatures)
        return scope
    }

    /// Whether the condition names a signature (not `known` or `unknown`) that `signatures` does not find.
    static func namesUnknownSignature(_ condition: Condition, signatures: (String) -> Signature?) -> Bool {
        switch condition {
        case .signature(let target, _, _, _):
            return target.value != "known" && target.value != "unknown" && signatures(target.value) == nil
        case .all(let parts, _), .any(let parts):
            return parts.contains { namesUnknownSignature($0.condition, signatures: signatures) }
        default:
            return false
        }
    }

    /// What a signature document's own `with:` may use: the line's kernel, the line, the signature, and the named
    /// groups of its regex.
    static func signature(_ signature: Signature) -> TemplateScope {
        var names: [String: ValueType] = [:]
        for (k, v) in groupFields(of: signature) { names["event.\(k)"] = v }
        names.merge(["event.kernel": .kernel, "event.line": .string, "event.signature": .signature]) { _, f in f }
        return TemplateScope(names: names)
    }
}
