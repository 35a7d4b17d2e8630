import Foundation

/// A known error signature as `GET /v1/kb` and `GET /v1/kb/{id}` show it.
public struct SignatureView: Codable, Sendable, Equatable {
    /// A playbook bound to the signature, with the evidence for it.
    public struct Binding: Codable, Sendable, Equatable {
        public var playbook: String
        public var successes: Int
        public var failures: Int
        /// Bound by a `signature` document rather than learned.
        public var declared: Bool
        public var expectedSuccess: Double

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

    public var id: String
    public var template: String
    /// info, warning, error or critical.
    public var severity: String
    /// The `signature` document's name, when one declares it.
    public var declared: String?
    public var example: String?
    public var firstSeen: Date
    public var lastSeen: Date
    public var count: Int
    /// Sightings per kernel.
    public var kernels: [String: Int]
    public var bindings: [Binding]

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
    public var signatures: [SignatureView]

    public init(signatures: [SignatureView]) {
        self.signatures = signatures
    }
}
