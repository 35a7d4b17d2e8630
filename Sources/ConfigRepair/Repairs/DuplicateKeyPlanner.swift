import GraceDSL

/// A key given twice in one mapping (G004): the earlier pair goes. Grace, like YAML loaders, reads the last one,
/// so removing the earlier one keeps the meaning the configuration already had.
public struct DuplicateKeyPlanner: RepairPlanner {
    public let name = "duplicate-key"

    public init() {}

    public func proposals(for diagnostic: Diagnostic, in tree: CompiledTree) -> [ConfigChange] {
        guard diagnostic.code == .duplicateKey, let first = diagnostic.notes.first?.span,
            first.file == diagnostic.span.file, let source = tree.source(first.file),
            let (pairs, index) = PairRemoval.find(keyAt: first.start.offset, in: tree.yaml(first.file))
        else { return [] }
        let key = pairs[index].key.text ?? "key"
        return PairRemoval.ranges(removing: index, of: pairs, in: source).map { range in
            change(
                diagnostic, source, [TextEdit(file: source.path, range: range, replacement: "")],
                "remove the earlier `\(key)` (line \(first.start.line)); Grace reads the last one, so the meaning "
                    + "is unchanged")
        }
    }
}
