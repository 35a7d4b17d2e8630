import Foundation

/// Draws an execution graph as Graphviz DOT, Mermaid or JSON.
public struct GraphRenderer: Sendable {
    public enum Format: String, CaseIterable, Sendable {
        case dot, mermaid, json
    }

    public init() {}

    public func render(_ graph: ExecutionGraph, format: Format) -> String {
        switch format {
        case .dot: dot(graph)
        case .mermaid: mermaid(graph)
        case .json: json(graph)
        }
    }

    private func nodes(_ graph: ExecutionGraph) -> [GraphNodeID] {
        var set: Set<GraphNodeID> = []
        for kernel in graph.kernels { set.insert(.init(.kernel, kernel.header.name.value)) }
        for t in graph.triggers { set.insert(.init(.trigger, t.header.name.value)) }
        for p in graph.playbooks { set.insert(.init(.playbook, p.header.name.value)) }
        for e in graph.edges {
            set.insert(e.from)
            set.insert(e.to)
        }
        return set.sorted()
    }

    private func shape(_ kind: GraphNodeID.Kind) -> String {
        switch kind {
        case .kernel: "box3d"
        case .trigger: "diamond"
        case .playbook: "box"
        case .step: "note"
        case .signature: "cds"
        case .component: "component"
        case .fleet, .instance: "cylinder"
        case .chaos, .fault: "octagon"
        case .gate: "doubleoctagon"
        case .refactor: "tab"
        }
    }

    private func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private func dot(_ graph: ExecutionGraph) -> String {
        var out = "digraph grace {\n  rankdir=LR;\n  label=\(quote("grace \(graph.contentHash.prefix(12))"));\n"
        for node in nodes(graph) {
            out +=
                "  \(quote(node.description)) [shape=\(shape(node.kind)), label=\(quote("\(node.kind.rawValue)\n\(node.name)"))];\n"
        }
        for edge in graph.edges {
            let label = edge.label.map { "\(edge.kind.rawValue): \($0)" } ?? edge.kind.rawValue
            out += "  \(quote(edge.from.description)) -> \(quote(edge.to.description)) [label=\(quote(label))];\n"
        }
        return out + "}\n"
    }

    private func mermaidID(_ node: GraphNodeID) -> String {
        let allowed = CharacterSet.alphanumerics
        return node.description.unicodeScalars.map { allowed.contains($0) ? String($0) : "_" }.joined()
    }

    private func mermaid(_ graph: ExecutionGraph) -> String {
        var out = "flowchart LR\n"
        for node in nodes(graph) {
            let text = "\(node.kind.rawValue): \(node.name)".replacingOccurrences(of: "\"", with: "'")
            let (open, close): (String, String) =
                switch node.kind {
                case .trigger: ("{", "}")
                case .kernel: ("[[", "]]")
                case .component, .instance, .fleet: ("[(", ")]")
                case .chaos, .fault: ("{{", "}}")
                default: ("[", "]")
                }
            out += "  \(mermaidID(node))\(open)\"\(text)\"\(close)\n"
        }
        for edge in graph.edges {
            let label = (edge.label.map { "\(edge.kind.rawValue): \($0)" } ?? edge.kind.rawValue)
                .replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "|", with: "/")
            out += "  \(mermaidID(edge.from)) -->|\"\(label)\"| \(mermaidID(edge.to))\n"
        }
        return out
    }

    private struct JSONGraph: Encodable {
        struct Node: Encodable {
            var id: String
            var kind: String
            var name: String
        }

        struct Edge: Encodable {
            var from: String
            var to: String
            var kind: String
            var label: String?
        }

        var contentHash: String
        var bootOrder: [String]
        var documents: [String: String]
        var nodes: [Node]
        var edges: [Edge]
    }

    private func json(_ graph: ExecutionGraph) -> String {
        let value = JSONGraph(
            contentHash: graph.contentHash, bootOrder: graph.bootOrder,
            documents: Dictionary(uniqueKeysWithValues: graph.documentHashes.map { ($0.key.description, $0.value) }),
            nodes: nodes(graph).map { .init(id: $0.description, kind: $0.kind.rawValue, name: $0.name) },
            edges: graph.edges.map {
                .init(from: $0.from.description, to: $0.to.description, kind: $0.kind.rawValue, label: $0.label)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
