import GraceDSL

/// Judges a proposed change by compiling the tree before and after it. A change is accepted when the
/// after-tree has no diagnostic (error or warning) that the before-tree did not have and, for a repair, the
/// diagnostics it targets are gone. Errors already present elsewhere do not block an unrelated fix.
///
/// Diagnostics are matched by `DiagnosticIdentity` (code, message, severity, file, enclosing document), counted
/// as a multiset, so that text an edit moved still matches.
public struct CompileGate: Sendable {
    public var options: CompilerOptions

    /// A gate that compiles with `options`.
    public init(options: CompilerOptions = CompilerOptions(checkExecutables: false)) {
        self.options = options
    }

    /// Compiles `files`.
    public func compile(_ files: [SourceFile]) -> CompiledTree {
        CompiledTree(files: files, options: options)
    }

    /// Applies `change` to `before` and compares the two compilations.
    /// - Parameter targets: the diagnostics the change must remove, all of them. When nil, a change whose
    ///   `fixes` names codes must remove at least one diagnostic with one of those codes.
    public func evaluate(
        _ change: ConfigChange, on before: CompiledTree, targeting targets: [DiagnosticIdentity]? = nil
    ) -> GateVerdict {
        let files: [SourceFile]
        do {
            files = try before.files.applying(change.edits)
        } catch {
            return GateVerdict(
                accepted: false, reason: "the change does not apply: \(error)", introduced: [], removed: [],
                changedDocuments: DocumentChanges(from: [:], to: [:]), after: nil)
        }
        if files == before.files {
            return GateVerdict(
                accepted: false, reason: "the change leaves every file as it was", introduced: [], removed: [],
                changedDocuments: DocumentChanges(from: [:], to: [:]), after: before)
        }
        return compare(before, compile(files), targeting: targets, fixes: change.fixes)
    }

    /// Compares two compilations of a tree.
    public func compare(
        _ before: CompiledTree, _ after: CompiledTree, targeting targets: [DiagnosticIdentity]? = nil,
        fixes: [String] = []
    ) -> GateVerdict {
        let introduced = Self.surplus(of: after, over: before)
        let removed = Self.surplus(of: before, over: after)
        let documents: DocumentChanges
        if let old = before.result.graph, let new = after.result.graph {
            documents = DocumentChanges(GraphDiff(from: old.documentHashes, to: new.documentHashes))
        } else {
            documents = DocumentChanges(from: before.documentHashes, to: after.documentHashes)
        }
        var verdict = GateVerdict(
            accepted: false, reason: "", introduced: introduced, removed: removed, changedDocuments: documents,
            after: after)
        if let first = introduced.first {
            let more = introduced.count > 1 ? " (and \(introduced.count - 1) more)" : ""
            verdict.reason = "it introduces \(first.code.rawValue) \(first.message)\(more)"
            return verdict
        }
        let removedIdentities = removed.compactMap { before.identity(of: $0) }
        if let targets, !targets.isEmpty {
            var left = Multiset(removedIdentities)
            for target in targets where !left.remove(target) {
                verdict.reason = "\(target.code.rawValue) \(target.message) is still there"
                return verdict
            }
        } else if !fixes.isEmpty, !removed.contains(where: { fixes.contains($0.code.rawValue) }) {
            verdict.reason = "it removes no \(fixes.joined(separator: "/")) diagnostic"
            return verdict
        }
        verdict.accepted = true
        verdict.reason =
            removed.isEmpty
            ? "no new diagnostic" : "removes \(removed.map(\.code.rawValue).joined(separator: ", ")), adds none"
        return verdict
    }

    /// The diagnostics of `tree` whose identities occur more often there than in `other`.
    private static func surplus(of tree: CompiledTree, over other: CompiledTree) -> [Diagnostic] {
        var available = Multiset(other.identities)
        var result: [Diagnostic] = []
        for (diagnostic, identity) in zip(tree.result.diagnostics, tree.identities) where !available.remove(identity) {
            result.append(diagnostic)
        }
        return result
    }
}

/// Counts of equal values.
private struct Multiset<Element: Hashable> {
    private var counts: [Element: Int] = [:]

    init(_ elements: [Element]) {
        for element in elements { counts[element, default: 0] += 1 }
    }

    /// Removes one `element`; false when there was none.
    mutating func remove(_ element: Element) -> Bool {
        guard let count = counts[element], count > 0 else { return false }
        counts[element] = count - 1
        return true
    }
}
