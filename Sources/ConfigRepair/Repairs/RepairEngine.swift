import GraceDSL

/// Deterministic repair of an invalid configuration tree. For each diagnostic in order (YAML syntax first, as
/// it hides what follows), the planners are asked in turn; each proposal goes through the `CompileGate`, and the
/// first accepted is applied. This repeats until the tree has no diagnostic left or no planner helps. Refused
/// proposals are remembered and never tried again, and the number of rounds is bounded.
public struct RepairEngine: Sendable {
    /// The gate every proposal passes.
    public var gate: CompileGate
    /// The planners, in the order they are asked.
    public var planners: [any RepairPlanner]
    /// Most changes one repair applies.
    public var maxChanges: Int

    /// An engine compiling with `options` (by default without checking executables, which depend on the machine).
    public init(options: CompilerOptions = CompilerOptions(checkExecutables: false), maxChanges: Int = 64) {
        gate = CompileGate(options: options)
        planners = Self.defaultPlanners
        self.maxChanges = maxChanges
    }

    /// The compiler's fix-its first (after a misspelt declaration, which its fix-its would spread), then the
    /// deterministic repairs.
    public static let defaultPlanners: [any RepairPlanner] = [
        DeclarationRenamePlanner(), FixItPlanner(), YAMLSyntaxPlanner(), DuplicateKeyPlanner(), UnitPlanner(),
        TemplateNamePlanner(),
        UnusedParameterPlanner(), RunOnKeyPlanner(),
    ]

    /// Repairs `files` as far as planners can.
    public func repair(_ files: [SourceFile]) -> RepairOutcome {
        repair(files, targeting: nil)
    }

    /// Repairs only diagnostics with one of `codes` (`G106`, ...); nil repairs every diagnostic.
    public func repair(_ files: [SourceFile], targeting codes: Set<String>?) -> RepairOutcome {
        let start = gate.compile(files)
        var tree = start
        var steps: [RepairStep] = []
        var refused: [(ConfigChange, String)] = []
        var tried: Set<ConfigChange> = []
        round: while steps.count < maxChanges {
            let candidates = order(tree.diagnostics).filter { codes?.contains($0.code.rawValue) ?? true }
            for diagnostic in candidates {
                guard let identity = tree.identity(of: diagnostic) else { continue }
                for planner in planners {
                    for proposal in planner.proposals(for: diagnostic, in: tree) where tried.insert(proposal).inserted {
                        let verdict = gate.evaluate(proposal, on: tree, targeting: [identity])
                        guard verdict.accepted, let after = verdict.after else {
                            refused.append((proposal, verdict.reason))
                            continue
                        }
                        steps.append(
                            RepairStep(
                                change: proposal, diagnostic: diagnostic, removed: verdict.removed,
                                changedDocuments: verdict.changedDocuments))
                        tree = after
                        continue round
                    }
                }
            }
            break
        }
        return RepairOutcome(
            steps: steps, files: tree.files, before: start.diagnostics, after: tree.diagnostics,
            compiles: tree.compiles, refused: refused, original: files)
    }

    /// YAML syntax first, then the rest of the document structure (G0xx, G1xx: what defines names), then
    /// references and everything else, errors before warnings, each in source order. A reference to a document
    /// that is broken must not be retargeted at another name before the document is repaired.
    private func order(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        func rank(_ d: Diagnostic) -> Int {
            if d.code == .yamlSyntax { return 0 }
            if d.code.rawValue < "G200" { return d.severity == .error ? 1 : 3 }
            return d.severity == .error ? 2 : 4
        }
        return diagnostics.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
            .map(\.element)
    }
}
