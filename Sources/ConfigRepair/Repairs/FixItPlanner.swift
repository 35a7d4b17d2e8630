import GraceDSL

/// The compiler's own fix-its, one proposal each, as they are.
public struct FixItPlanner: RepairPlanner {
    public let name = "fix-it"

    public init() {}

    public func proposals(for diagnostic: Diagnostic, in tree: CompiledTree) -> [ConfigChange] {
        diagnostic.fixIts.map { fixIt in
            let old = tree.source(fixIt.span.file).map { $0.text(fixIt.span.start.offset..<fixIt.span.end.offset) }
            let what =
                old.map { $0.isEmpty ? "insert `\(fixIt.replacement)`" : "replace `\($0)` with `\(fixIt.replacement)`" }
                ?? fixIt.message
            return ConfigChange(
                edits: [TextEdit(fixIt)],
                summary: "\(what) (\(diagnostic.code.rawValue) \(diagnostic.code.title): \(diagnostic.message))",
                origin: .fixIt, fixes: [diagnostic.code.rawValue])
        }
    }
}
