/// The compiled configuration: every document resolved and checked, kernels in boot order, and the edges
/// between them. Immutable; a reload produces a new graph.
public struct ExecutionGraph: Sendable, Hashable {
    /// SHA-256 over every document's content hash; independent of file order, formatting and comments.
    public let contentHash: String
    /// Content hash of each document, for diffs between graphs (`grace plan`, reload).
    public let documentHashes: [DocumentID: String]
    public let settings: GraceSettings?
    /// Kernels in boot order: every kernel after the kernels it depends on; ties by name.
    public let kernels: [Kernel]
    public let triggers: [Trigger]
    public let playbooks: [Playbook]
    public let signatures: [Signature]
    public let refactors: [RefactorIntent]
    public let fleets: [Fleet]
    public let chaos: [ChaosScenario]
    public let gates: [Gate]
    public let edges: [GraphEdge]

    public init(
        documentHashes: [DocumentID: String], settings: GraceSettings?, kernels: [Kernel], triggers: [Trigger],
        playbooks: [Playbook], signatures: [Signature], refactors: [RefactorIntent], fleets: [Fleet],
        chaos: [ChaosScenario], gates: [Gate], edges: [GraphEdge]
    ) {
        self.contentHash = ContentHasher.combine(documentHashes)
        self.documentHashes = documentHashes
        self.settings = settings
        self.kernels = kernels
        self.triggers = triggers
        self.playbooks = playbooks
        self.signatures = signatures
        self.refactors = refactors
        self.fleets = fleets
        self.chaos = chaos
        self.gates = gates
        self.edges = edges
    }

    private init(_ graph: ExecutionGraph, kernels: [Kernel], documentHashes: [DocumentID: String]) {
        self.contentHash = graph.contentHash
        self.documentHashes = documentHashes
        self.settings = graph.settings
        self.kernels = kernels
        self.triggers = graph.triggers
        self.playbooks = graph.playbooks
        self.signatures = graph.signatures
        self.refactors = graph.refactors
        self.fleets = graph.fleets
        self.chaos = graph.chaos
        self.gates = graph.gates
        self.edges = graph.edges
    }

    /// This graph with `kernel` supervised too: a kernel Grace derives from the configuration (the coding agent's
    /// process) rather than one a document declares. `contentHash` stays the configuration's; `documentHashes`
    /// gets an entry (`hash`: what the kernel is made from) so that a reload restarts or stops it when it changes.
    public func adding(derivedKernel kernel: Kernel, hash: String) -> ExecutionGraph {
        var hashes = documentHashes
        hashes[DocumentID(kind: .kernel, name: kernel.header.name.value)] = hash
        return ExecutionGraph(self, kernels: kernels + [kernel], documentHashes: hashes)
    }

    public var bootOrder: [String] { kernels.map(\.header.name.value) }

    public func kernel(_ name: String) -> Kernel? { kernels.first { $0.header.name.value == name } }
    public func playbook(_ name: String) -> Playbook? { playbooks.first { $0.header.name.value == name } }
    public func trigger(_ name: String) -> Trigger? { triggers.first { $0.header.name.value == name } }
    /// The fleet that lists `instance` among its instances, if any.
    public func fleet(listing instance: String) -> Fleet? {
        fleets.first { $0.instances.contains { $0.name.value == instance } }
    }
}

/// A node of the graph as drawn: a document, a step, one of Grace's components, a fleet instance or a fault.
public struct GraphNodeID: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        case kernel, trigger, playbook, step, signature, refactor, fleet, instance, chaos, gate, component, fault
    }

    public var kind: Kind
    public var name: String

    public init(_ kind: Kind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    public var description: String { "\(kind.rawValue):\(name)" }

    public static func < (a: GraphNodeID, b: GraphNodeID) -> Bool {
        a.kind != b.kind ? a.kind.rawValue < b.kind.rawValue : a.name < b.name
    }
}

/// A directed edge of the execution graph.
public struct GraphEdge: Sendable, Hashable, Codable, Comparable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// kernel -> kernel it needs first
        case dependsOn = "depends_on"
        /// trigger or signature -> playbook it runs
        case runs
        /// playbook -> its steps, in order
        case step
        /// step -> kernel, instance or fleet it acts on
        case actsOn = "acts_on"
        /// playbook -> playbook it escalates to
        case escalatesTo = "escalates_to"
        /// step -> playbook it calls
        case calls
        /// trigger -> kernel or component it watches
        case watches
        /// chaos -> fault -> target
        case injects
        /// chaos -> trigger or playbook expected to respond
        case expects
        /// chaos -> gate
        case gatedBy = "gated_by"
        /// fleet -> instance
        case member
        /// refactor -> document it may change
        case changes
    }

    public var from: GraphNodeID
    public var to: GraphNodeID
    public var kind: Kind
    public var label: String?

    public init(from: GraphNodeID, to: GraphNodeID, kind: Kind, label: String? = nil) {
        self.from = from
        self.to = to
        self.kind = kind
        self.label = label
    }

    public static func < (a: GraphEdge, b: GraphEdge) -> Bool {
        if a.from != b.from { return a.from < b.from }
        if a.to != b.to { return a.to < b.to }
        if a.kind != b.kind { return a.kind.rawValue < b.kind.rawValue }
        return (a.label ?? "") < (b.label ?? "")
    }
}
