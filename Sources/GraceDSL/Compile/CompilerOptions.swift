/// How a compilation treats the machine it runs on and the completeness of its input.
public struct CompilerOptions: Sendable {
    /// Check that commands name executables that exist (G701). Off for fuzzing and for `grace plan`,
    /// which compiles revisions that need not match this machine.
    public var checkExecutables: Bool
    /// Directory that relative paths (commands, data) are resolved against: the configuration root.
    public var root: String
    /// Report G117 when no `grace` document is present (a whole configuration, not single files).
    public var requireGraceDocument: Bool
    /// Directories searched, before PATH, for bare command names; by default the directory holding the
    /// `grace` binary, so tools built alongside it (`grace-demo`) are found, as git finds `git-*` commands.
    public var toolDirectories: [String]
    public var yamlLimits: YAMLLimits

    public init(
        checkExecutables: Bool = true, root: String = ".", requireGraceDocument: Bool = false,
        toolDirectories: [String] = [], yamlLimits: YAMLLimits = .default
    ) {
        self.checkExecutables = checkExecutables
        self.root = root
        self.requireGraceDocument = requireGraceDocument
        self.toolDirectories = toolDirectories
        self.yamlLimits = yamlLimits
    }
}
