import GraceDSL

/// One proposed change to a configuration tree: the edits, which planner made it, and why. A change is only a
/// proposal; the gate (`CompileGate` here, the agent's policy, verify commands and watch window after it) decides.
public struct ConfigChange: Sendable, Hashable, Codable {
    /// Who proposed it, in the order the agent tries them.
    public enum Origin: String, Sendable, Hashable, Codable, CaseIterable {
        /// A fix-it the compiler attached to a diagnostic.
        case fixIt = "fix-it"
        /// A deterministic repair for a class of diagnostic.
        case repair
        /// A refactor intent's transformation.
        case refactor
        /// A learned edit pattern (a fix that passed its watch window, generalised over names).
        case pattern
        /// A language model's structured edit.
        case llm
    }

    /// The byte-range replacements, in any order (they must not overlap).
    public var edits: [TextEdit]
    /// One line: what changes and why ("replace `tiers` with `tier` (G106 unknown key)").
    public var summary: String
    /// Who proposed it.
    public var origin: Origin
    /// The diagnostic codes it intends to remove, if it is a repair.
    public var fixes: [String]

    /// A change of `edits`, described by `summary`.
    public init(edits: [TextEdit], summary: String, origin: Origin, fixes: [String] = []) {
        self.edits = edits
        self.summary = summary
        self.origin = origin
        self.fixes = fixes
    }

    /// The files the change edits.
    public var files: Set<String> { Set(edits.map(\.file)) }
}
