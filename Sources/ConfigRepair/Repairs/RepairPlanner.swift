import GraceDSL

/// Proposes changes that may remove one diagnostic. A planner only proposes: every proposal goes through the
/// `CompileGate`, and the engine keeps the first one the gate accepts. Proposals come best first.
public protocol RepairPlanner: Sendable {
    /// A short name for reports (`fix-it`, `yaml-syntax`, ...).
    var name: String { get }
    /// Changes that may remove `diagnostic` from `tree`; empty when this planner has nothing unambiguous.
    func proposals(for diagnostic: Diagnostic, in tree: CompiledTree) -> [ConfigChange]
}

extension CompiledTree {
    /// The text of file `path`, for line-level repairs.
    func source(_ path: String) -> SourceText? {
        files.first { $0.path == path }.map(SourceText.init)
    }

    /// The YAML documents of file `path` as parsed now.
    func yaml(_ path: String) -> [YAMLDocument] {
        guard let file = files.first(where: { $0.path == path }) else { return [] }
        return YAMLParser().parse(file.text, file: path).documents
    }
}

extension Diagnostic {
    /// The names in backticks of this diagnostic's message, in order (`unknown kernel `stor`; did you mean
    /// `store`?` gives `["stor", "store"]`).
    var quotedNames: [String] {
        let parts = message.split(separator: "`", omittingEmptySubsequences: false)
        return stride(from: 1, to: parts.count - 1, by: 2).map { String(parts[$0]) }
    }

    /// `file:line:col`.
    var position: String { "\(span.file):\(span.start.line):\(span.start.column)" }
}
