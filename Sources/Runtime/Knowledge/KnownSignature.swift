import Foundation
import Interpreter

/// A signature as the knowledge base knows it: a mined template or a declared signature document, where and how
/// often it was seen, and the playbooks bound to it with their records.
public struct KnownSignature: Sendable, Hashable, Codable {
    /// The template's stable id, or `declared:NAME` for a signature document.
    public var id: String
    /// The template text (variables as `<*>`), or the document's pattern or regex.
    public var template: String
    /// The level its lines were last seen at (the worst among the lines of the latest write).
    public var severity: SignatureSighting.Severity
    /// The signature document's name, for a declared one.
    public var declared: String?
    /// The message part of the last line seen with this signature.
    public var example: String?
    /// When a line with it was first seen (stored to the millisecond).
    public var firstSeen: Date
    /// When one was last seen.
    public var lastSeen: Date
    /// Lines seen with it, over every kernel.
    public var count: Int
    /// Sightings per kernel.
    public var kernels: [String: Int]
    /// The playbooks bound to it with their records; empty when none is.
    public var bindings: [BindingEvidence]

    /// The declared binding if any, else the learned one with the best expected success.
    public var bestBinding: BindingEvidence? {
        bindings.first(where: \.declared)
            ?? bindings.max { ($0.expectedSuccess, $1.playbook) < ($1.expectedSuccess, $0.playbook) }
    }
}

/// Sightings of one signature on one kernel since the last flush.
struct SightingCount: Sendable, Hashable {
    var signature: String
    var template: String
    var severity: SignatureSighting.Severity
    var kernel: String
    var example: String
    var count: Int
    var firstSeen: Date
    var lastSeen: Date

    init(
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
