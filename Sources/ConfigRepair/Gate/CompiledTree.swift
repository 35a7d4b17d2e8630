import GraceDSL

/// A configuration tree and its compilation, with each diagnostic's offset-independent identity.
public struct CompiledTree: Sendable {
    /// The files as compiled.
    public var files: [SourceFile]
    /// What the compiler made of them.
    public var result: CompilationResult
    /// The identity of each of `result.diagnostics`, index for index.
    public var identities: [DiagnosticIdentity]
    /// Content hash of each document by `kind/name` (also when the tree does not compile).
    public var documentHashes: [String: String]

    /// Every `name:` a document is written with, compiled or not (also inside fleets: instance names are not
    /// included).
    public var writtenNames: Set<String>

    /// Compiles `files` with `options`.
    public init(files: [SourceFile], options: CompilerOptions) {
        self.files = files
        result = Compiler(options: options).compile(files)
        let index = DocumentIndex(files: files, limits: options.yamlLimits)
        identities = result.diagnostics.map { DiagnosticIdentity($0, document: index.label(of: $0.span)) }
        documentHashes = index.hashes
        writtenNames = index.names
    }

    /// Whether the tree compiles (no errors; warnings allowed).
    public var compiles: Bool { result.graph != nil }

    /// The diagnostics as they are.
    public var diagnostics: [Diagnostic] { result.diagnostics }

    /// The identity of `diagnostic`, one of this tree's diagnostics.
    public func identity(of diagnostic: Diagnostic) -> DiagnosticIdentity? {
        result.diagnostics.firstIndex(of: diagnostic).map { identities[$0] }
    }
}
