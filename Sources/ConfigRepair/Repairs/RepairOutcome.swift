import GraceDSL

/// One change the engine kept, with the diagnostic it was made for.
public struct RepairStep: Sendable {
    /// The change, as applied.
    public var change: ConfigChange
    /// The diagnostic it removes, as it was (positions in the tree before this change).
    public var diagnostic: Diagnostic
    /// Everything the change removed (the target and any diagnostic that followed from it).
    public var removed: [Diagnostic]
    /// Documents (`kind/name`) whose content the change altered.
    public var changedDocuments: DocumentChanges
}

/// What `RepairEngine.repair` did to a tree.
public struct RepairOutcome: Sendable {
    /// The changes kept, in the order they were applied, with what each fixed.
    public var steps: [RepairStep]
    /// The files at the end (the input files when nothing was changed).
    public var files: [SourceFile]
    /// The diagnostics of the input.
    public var before: [Diagnostic]
    /// The diagnostics of the result.
    public var after: [Diagnostic]
    /// Whether the result compiles (no errors; warnings may remain, see `unfixed`).
    public var compiles: Bool
    /// Proposals the gate refused, with why (for reports; none of them was applied).
    public var refused: [(change: ConfigChange, reason: String)]

    /// The changes applied, in order.
    public var changes: [ConfigChange] { steps.map(\.change) }
    /// Diagnostics left (errors and warnings).
    public var unfixed: [Diagnostic] { after.filter { $0.severity >= .warning } }
    /// Files whose text changed.
    public var changedFiles: [SourceFile] { files.filter { !original.contains($0) } }

    /// The input files, to tell what changed.
    var original: [SourceFile]
}
