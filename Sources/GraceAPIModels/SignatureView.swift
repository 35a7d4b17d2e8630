import Foundation

/// A known error signature as `GET /v1/kb` and `GET /v1/kb/{id}` show it.
public struct SignatureView: Codable, Sendable, Equatable {
    /// A playbook bound to the signature, with the evidence for it.
    public struct Binding: Codable, Sendable, Equatable {
        /// The playbook's name.
        public var playbook: String
        /// Runs of it that healed the signature.
        public var successes: Int
        /// Runs of it that answered the signature and did not heal it.
        public var failures: Int
        /// Bound by a `signature` document rather than learned.
        public var declared: Bool
        /// The chance, 0...1 to three decimals, that the next run heals: (successes + 1) / (runs + 2).
        public var expectedSuccess: Double

        /// Makes a binding from its parts; the server fills it from the knowledge base.
        public init(playbook: String, successes: Int, failures: Int, declared: Bool, expectedSuccess: Double) {
            self.playbook = playbook
            self.successes = successes
            self.failures = failures
            self.declared = declared
            self.expectedSuccess = expectedSuccess
        }

        enum CodingKeys: String, CodingKey {
            case playbook, successes, failures, declared
            case expectedSuccess = "expected_success"
        }
    }

    /// The mined template's stable id, or `declared:NAME` for a signature document; `GET /v1/kb/{id}` also takes a
    /// unique prefix or the declared name.
    public var id: String
    /// The mined template (variables as `<*>`), or a declared signature's pattern or regex.
    public var template: String
    /// info, warning, error or critical.
    public var severity: String
    /// The `signature` document's name, when one declares it.
    public var declared: String?
    /// The message part of the last line seen with this signature; null when none was kept.
    public var example: String?
    /// When a line with this signature was first seen.
    public var firstSeen: Date
    /// When one was last seen.
    public var lastSeen: Date
    /// Lines seen with this signature, over all kernels.
    public var count: Int
    /// Sightings per kernel.
    public var kernels: [String: Int]
    /// The playbooks bound to it, declared or learned; empty when none is.
    public var bindings: [Binding]

    /// Makes a view from its parts; the server fills it from the knowledge base.
    public init(
        id: String, template: String, severity: String, declared: String?, example: String?, firstSeen: Date,
        lastSeen: Date, count: Int, kernels: [String: Int], bindings: [Binding]
    ) {
        self.id = id
        self.template = template
        self.severity = severity
        self.declared = declared
        self.example = example
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.count = count
        self.kernels = kernels
        self.bindings = bindings
    }

    enum CodingKeys: String, CodingKey {
        case id, template, severity, declared, example, count, kernels, bindings
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
    }

    /// Writes every key, `null` ones included (the synthesized encoder would leave them out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(template, forKey: .template)
        try c.encode(severity, forKey: .severity)
        try c.encode(declared, forKey: .declared)
        try c.encode(example, forKey: .example)
        try c.encode(firstSeen, forKey: .firstSeen)
        try c.encode(lastSeen, forKey: .lastSeen)
        try c.encode(count, forKey: .count)
        try c.encode(kernels, forKey: .kernels)
        try c.encode(bindings, forKey: .bindings)
    }
}

/// `GET /v1/kb`: the most seen first.
public struct KnowledgeResponse: Codable, Sendable, Equatable {
    /// Up to `limit` signatures (50 by default), the most seen first.
    public var signatures: [SignatureView]

    /// Wraps the views.
    public init(signatures: [SignatureView]) {
        self.signatures = signatures
    }
}
