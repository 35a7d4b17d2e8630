import GraceDSL

/// A playbook parameter no step uses (G503): its declaration goes. A caller that still passes it makes the
/// gate refuse the removal (G502), so the parameter stays then.
public struct UnusedParameterPlanner: RepairPlanner {
    public let name = "unused-parameter"

    public init() {}

    public func proposals(for diagnostic: Diagnostic, in tree: CompiledTree) -> [ConfigChange] {
        guard diagnostic.code == .unusedParameter, let source = tree.source(diagnostic.span.file),
            let (pairs, index) = PairRemoval.find(
                keyAt: diagnostic.span.start.offset, in: tree.yaml(diagnostic.span.file)),
            pairs.count > 1
        else { return [] }
        let name = pairs[index].key.text ?? "parameter"
        return PairRemoval.ranges(removing: index, of: pairs, in: source).map { range in
            change(
                diagnostic, source, [TextEdit(file: source.path, range: range, replacement: "")],
                "remove the unused parameter `\(name)`")
        }
    }
}
