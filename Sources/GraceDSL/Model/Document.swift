/// The kinds of document the DSL has.
public enum DocumentKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case grace, kernel, trigger, playbook, signature, refactor, fleet, chaos, gate

    public static func < (lhs: DocumentKind, rhs: DocumentKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What every document has: its kind, name, and where it was written.
public struct DocumentHeader: Sendable, Hashable {
    public var kind: DocumentKind
    public var name: Located<String>
    /// The whole document.
    public var span: SourceSpan
    public var description: String?
    public var labels: [String: String]

    public init(
        kind: DocumentKind, name: Located<String>, span: SourceSpan, description: String? = nil,
        labels: [String: String] = [:]
    ) {
        self.kind = kind
        self.name = name
        self.span = span
        self.description = description
        self.labels = labels
    }
}

/// One decoded document of any kind.
///
/// `indirect`: each document is boxed at the size of its own kind, so a `[Document]` holds one pointer per
/// document instead of the largest kind inline (a kernel is several hundred bytes), and copying one is a retain.
public indirect enum Document: Sendable, Hashable {
    case grace(GraceSettings)
    case kernel(Kernel)
    case trigger(Trigger)
    case playbook(Playbook)
    case signature(Signature)
    case refactor(RefactorIntent)
    case fleet(Fleet)
    case chaos(ChaosScenario)
    case gate(Gate)

    public var header: DocumentHeader {
        switch self {
        case .grace(let d): d.header
        case .kernel(let d): d.header
        case .trigger(let d): d.header
        case .playbook(let d): d.header
        case .signature(let d): d.header
        case .refactor(let d): d.header
        case .fleet(let d): d.header
        case .chaos(let d): d.header
        case .gate(let d): d.header
        }
    }
}
