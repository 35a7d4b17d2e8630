import Foundation
import Interpreter

/// A signature as the knowledge base knows it: a mined template or a declared signature document, where and how
/// often it was seen, and the playbooks bound to it with their records.
public struct KnownSignature: Sendable, Hashable, Codable {
    /// The template's stable id, or `declared:NAME` for a signature document.
    public var id: String
    /// The template text (variables as `<*>`), or the document's pattern or regex.
    public var template: String
    public var severity: SignatureSighting.Severity
    /// The signature document's name, for a declared one.
    public var declared: String?
    /// The message part of the last line seen with this signature.
    public var example: String?
    public var firstSeen: Date
    public var lastSeen: Date
    public var count: Int
    /// Sightings per kernel.
    public var kernels: [String: Int]
    public var bindings: [BindingEvidence]

    /// The declared binding if any, else the learned one with the best expected success.
    public var bestBinding: BindingEvidence? {
        bindings.first(where: \.declared)
            ?? bindings.max { ($0.expectedSuccess, $1.playbook) < ($1.expectedSuccess, $0.playbook) }
    }
}

/// Sightings of one signature on one kernel since the last flush.
public struct SightingCount: Sendable, Hashable {
    public var signature: String
    public var template: String
    public var severity: SignatureSighting.Severity
    public var kernel: String
    public var example: String
    public var count: Int
    public var firstSeen: Date
    public var lastSeen: Date

    public init(
        signature: String, template: String, severity: SignatureSighting.Severity, kernel: String, example: String,
        count: Int = 1, firstSeen: Date, lastSeen: Date
    ) {
        self.signature = signature
        self.template = template
        self.severity = severity
        self.kernel = kernel
        self.example = example
        self.count = count
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}
