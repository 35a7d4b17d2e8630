/// What changes between two compiled configurations, document by document (by content hash).
/// `grace plan` prints it; reload applies it.
public struct GraphDiff: Sendable, Hashable {
    public var added: [DocumentID] = []
    public var removed: [DocumentID] = []
    public var changed: [DocumentID] = []
    public var unchanged: Int = 0

    public init(from old: [DocumentID: String], to new: [DocumentID: String]) {
        for (id, hash) in new {
            if let before = old[id] {
                if before == hash { unchanged += 1 } else { changed.append(id) }
            } else {
                added.append(id)
            }
        }
        removed = old.keys.filter { new[$0] == nil }
        added.sort()
        removed.sort()
        changed.sort()
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// Kernels a reload starts, restarts and stops.
    public var kernelsToStart: [String] { added.filter { $0.kind == .kernel }.map(\.name) }
    public var kernelsToRestart: [String] { changed.filter { $0.kind == .kernel }.map(\.name) }
    public var kernelsToStop: [String] { removed.filter { $0.kind == .kernel }.map(\.name) }
}
