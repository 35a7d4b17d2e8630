import GraceDSL

/// A name used but not declared (an unknown template name, G505, or an unknown parameter in `with:`, G502) whose
/// closest declared name is declared but never used (G503): the declaration is the misspelt one, so it takes the
/// name the uses agree on. Renaming every use to the misspelt declaration would compile too, and spread the typo
/// into files nobody touched; this planner runs before the compiler's fix-its for that reason.
public struct DeclarationRenamePlanner: RepairPlanner {
    public let name = "declaration-rename"

    public init() {}

    public func proposals(for diagnostic: Diagnostic, in tree: CompiledTree) -> [ConfigChange] {
        guard diagnostic.code == .templateUnknownName || diagnostic.code == .unknownParameter,
            diagnostic.message.contains("did you mean")
        else { return [] }
        let names = diagnostic.quotedNames
        guard names.count >= 2, let wrong = names.first, let guess = names.last, wrong != guess else { return [] }
        let unused = tree.diagnostics.filter { $0.code == .unusedParameter && $0.quotedNames.first == guess }
        guard unused.count == 1, let declaration = unused.first, let source = tree.source(declaration.span.file),
            source.text(declaration.span.start.offset..<declaration.span.end.offset) == guess
        else { return [] }
        let edit = TextEdit(
            file: source.path, range: declaration.span.start.offset..<declaration.span.end.offset, replacement: wrong)
        var proposal = change(
            diagnostic, source, [edit],
            "rename the unused parameter `\(guess)` to `\(wrong)`, the name its uses agree on")
        proposal.fixes = [diagnostic.code.rawValue, DiagnosticCode.unusedParameter.rawValue]
        return [proposal]
    }
}
