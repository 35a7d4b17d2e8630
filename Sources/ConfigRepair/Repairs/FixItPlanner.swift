import GraceDSL

/// The compiler's own fix-its, one proposal each, as they are, except those that guess at a meaning.
public struct FixItPlanner: RepairPlanner {
    public let name = "fix-it"

    public init() {}

    static let referenceCodes: Set<DiagnosticCode> = [
        .unknownKernel, .unknownPlaybook, .unknownSignature, .unknownInstance, .unknownGate, .unknownTrigger,
        .unknownComponent, .unknownFleet, .unknownRefactor,
    ]

    /// `0.3` -> `0.3%` for a percentage: a fraction below one more likely meant 30%, so it is left to a person.
    static func isGuess(_ fixIt: FixIt, _ diagnostic: Diagnostic) -> Bool {
        guard diagnostic.code == .invalidPercent || diagnostic.code == .unitMismatch,
            fixIt.replacement.hasSuffix("%"), let value = Double(fixIt.replacement.dropLast())
        else { return false }
        return value < 1 && fixIt.replacement.contains(".")
    }

    public func proposals(for diagnostic: Diagnostic, in tree: CompiledTree) -> [ConfigChange] {
        if Self.referenceCodes.contains(diagnostic.code), let name = diagnostic.quotedNames.first,
            tree.writtenNames.contains(name)
        {
            // A document is written with that name but did not compile: it is the one to repair.
            return []
        }
        return diagnostic.fixIts.filter { !Self.isGuess($0, diagnostic) }.map { fixIt in
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
