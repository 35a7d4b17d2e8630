import GraceDSL

/// What the compile gate found when it compared a tree before and after a change.
public struct GateVerdict: Sendable {
    /// Whether the change may be kept.
    public var accepted: Bool
    /// One line: why it was accepted or refused.
    public var reason: String
    /// Diagnostics the after-tree has and the before-tree did not (as found in the after-tree).
    public var introduced: [Diagnostic]
    /// Diagnostics the before-tree had and the after-tree does not (as found in the before-tree).
    public var removed: [Diagnostic]
    /// Documents (`kind/name`) added, removed or changed in content.
    public var changedDocuments: DocumentChanges
    /// The tree after the change; nil when the change could not be applied.
    public var after: CompiledTree?
}

/// Documents that differ between two trees, by `kind/name`.
public struct DocumentChanges: Sendable, Hashable, Codable {
    public var added: [String] = []
    public var removed: [String] = []
    public var changed: [String] = []

    /// No document differs.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// The differences between two maps of `kind/name` to content hash.
    public init(from old: [String: String], to new: [String: String]) {
        added = new.keys.filter { old[$0] == nil }.sorted()
        removed = old.keys.filter { new[$0] == nil }.sorted()
        changed = new.keys.filter { old[$0] != nil && old[$0] != new[$0] }.sorted()
    }

    /// The differences a graph diff found.
    public init(_ diff: GraphDiff) {
        added = diff.added.map(\.description)
        removed = diff.removed.map(\.description)
        changed = diff.changed.map(\.description)
    }
}
