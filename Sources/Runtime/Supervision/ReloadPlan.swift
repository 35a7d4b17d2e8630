import GraceDSL

/// What applying a new graph does to the kernels: stop the removed and changed ones (dependents first), then
/// start the added and changed ones (dependencies first, each after the dependencies it has), and leave every
/// other kernel untouched. Pure: the supervisor carries it out.
struct ReloadPlan: Sendable, Equatable {
    struct Start: Sendable, Equatable {
        var kernel: String
        /// Kernels it waits for (only those that will exist).
        var dependencies: [String]
    }

    var diff: GraphDiff
    /// Kernels to stop and forget, in reverse boot order of the old graph.
    var stops: [String]
    /// Kernels to start, in boot order of the new graph.
    var starts: [Start]

    /// - Parameter supervised: the kernels the supervisor has now (enabled ones of the old graph).
    init(from old: ExecutionGraph, to new: ExecutionGraph, supervised: Set<String>) {
        diff = GraphDiff(from: old.documentHashes, to: new.documentHashes)
        let leaving = Set(diff.kernelsToStop + diff.kernelsToRestart)
        stops = old.kernels.reversed().map(\.header.name.value).filter {
            leaving.contains($0) && supervised.contains($0)
        }
        var existing = supervised.subtracting(stops)
        starts = []
        for kernel in new.kernels where kernel.enabled {
            let name = kernel.header.name.value
            guard !existing.contains(name) else { continue }
            starts.append(Start(kernel: name, dependencies: kernel.dependsOn.map(\.value).filter(existing.contains)))
            existing.insert(name)
        }
    }
}
