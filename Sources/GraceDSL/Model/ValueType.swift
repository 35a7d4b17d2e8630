/// The types a playbook parameter, a template placeholder or an event field can have.
public enum ValueType: String, Sendable, Hashable, Codable, CaseIterable {
    case kernel, playbook, instance, fleet, signature, string, int, number, bool, duration, bytes, percent, path,
        signal, tier

    /// Whether a value of type `other` may be used where `self` is expected.
    public func accepts(_ other: ValueType) -> Bool {
        if self == other { return true }
        switch (self, other) {
        case (.string, _), (.path, .string), (.number, .int): return true
        default: return false
        }
    }

    /// Names a document kind when the type is a reference to one.
    public var documentKind: DocumentKind? {
        switch self {
        case .kernel: .kernel
        case .playbook: .playbook
        case .fleet: .fleet
        case .signature: .signature
        default: nil
        }
    }
}
