/// Finds cycles in a directed graph of names, one per strongly connected component, reported from the
/// alphabetically first member so that the same configuration always yields the same diagnostic.
struct CycleFinder {
    struct Edge {
        var from: String
        var to: String
        var span: SourceSpan
    }

    /// Outgoing edges by node, in declaration order.
    var edges: [String: [Edge]] = [:]

    mutating func add(from: String, to: String, at span: SourceSpan) {
        edges[from, default: []].append(Edge(from: from, to: to, span: span))
    }

    /// Each cycle as its edges, starting at the alphabetically first node of its component.
    func cycles() -> [[Edge]] {
        let components = stronglyConnectedComponents()
        var result: [[Edge]] = []
        for component in components {
            let members = Set(component)
            guard let start = component.min() else { continue }
            let isCycle = component.count > 1 || (edges[start] ?? []).contains { $0.to == start }
            guard isCycle, let path = path(from: start, to: start, within: members) else { continue }
            result.append(path)
        }
        return result.sorted { ($0.first?.from ?? "") < ($1.first?.from ?? "") }
    }

    /// A shortest path (breadth first) from `start` back to `goal` inside one component.
    private func path(from start: String, to goal: String, within members: Set<String>) -> [Edge]? {
        var previous: [String: Edge] = [:]
        var queue = [start]
        var index = 0
        var visited: Set<String> = []
        while index < queue.count {
            let node = queue[index]
            index += 1
            for edge in edges[node] ?? [] where members.contains(edge.to) {
                if edge.to == goal {
                    var path = [edge]
                    var cursor = node
                    while cursor != start, let e = previous[cursor] {
                        path.insert(e, at: 0)
                        cursor = e.from
                    }
                    return path
                }
                if !visited.contains(edge.to) {
                    visited.insert(edge.to)
                    previous[edge.to] = edge
                    queue.append(edge.to)
                }
            }
        }
        return nil
    }

    /// Tarjan's algorithm, iterative so that long chains cannot overflow the stack.
    private func stronglyConnectedComponents() -> [[String]] {
        var index = 0
        var indices: [String: Int] = [:]
        var lowlink: [String: Int] = [:]
        var onStack: Set<String> = []
        var stack: [String] = []
        var components: [[String]] = []
        let nodes = Set(edges.keys).union(edges.values.flatMap { $0.map(\.to) }).sorted()
        for root in nodes where indices[root] == nil {
            var work: [(node: String, next: Int)] = [(root, 0)]
            indices[root] = index
            lowlink[root] = index
            index += 1
            stack.append(root)
            onStack.insert(root)
            while var frame = work.popLast() {
                let out = edges[frame.node] ?? []
                if frame.next < out.count {
                    let target = out[frame.next].to
                    frame.next += 1
                    work.append(frame)
                    if indices[target] == nil {
                        indices[target] = index
                        lowlink[target] = index
                        index += 1
                        stack.append(target)
                        onStack.insert(target)
                        work.append((target, 0))
                    } else if onStack.contains(target) {
                        lowlink[frame.node] = min(lowlink[frame.node] ?? 0, indices[target] ?? 0)
                    }
                    continue
                }
                if let parent = work.last {
                    lowlink[parent.node] = min(lowlink[parent.node] ?? 0, lowlink[frame.node] ?? 0)
                }
                if lowlink[frame.node] == indices[frame.node] {
                    var component: [String] = []
                    while let top = stack.popLast() {
                        onStack.remove(top)
                        component.append(top)
                        if top == frame.node { break }
                    }
                    components.append(component)
                }
            }
        }
        return components
    }
}
