/// What a compilation produced.
public struct CompilationResult: Sendable {
    /// The graph, when there were no errors (warnings allowed).
    public var graph: ExecutionGraph?
    /// Every diagnostic, in source order.
    public var diagnostics: [Diagnostic]
    /// Documents that decoded, errors or not (tools such as `grace plan` use them).
    public var documents: [Document]

    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
}

/// Compiles configuration files into an `ExecutionGraph`: YAML -> nodes -> typed documents -> checks -> graph.
public struct Compiler: Sendable {
    public var options: CompilerOptions

    public init(options: CompilerOptions = CompilerOptions()) {
        self.options = options
    }

    public func compile(_ files: [SourceFile]) -> CompilationResult {
        let sink = DiagnosticSink()
        let parser = YAMLParser(limits: options.yamlLimits)
        let decoder = DocumentDecoder(sink: sink)
        var documents: [Document] = []
        var hashes: [DocumentID: String] = [:]
        var failed: Set<DocumentID> = []
        // Sorted by path so that documents arrive in source order and reports are the same whatever order
        // the files were given in.
        for file in files.sorted(by: { $0.path < $1.path }) {
            let parsed = parser.parse(file.text, file: file.path)
            sink.append(contentsOf: parsed.diagnostics)
            for yamlDocument in parsed.documents {
                guard let root = yamlDocument.root else { continue }
                guard let document = decoder.decode(yamlDocument) else {
                    // Remember what failed so that references to it are not reported a second time.
                    if let kind = root["kind"]?.text.flatMap(DocumentKind.init(rawValue:)), let name = root["name"]?.text {
                        failed.insert(DocumentID(kind: kind, name: name))
                    }
                    continue
                }
                documents.append(document)
                let id = DocumentID(kind: document.header.kind, name: document.header.name.value)
                if hashes[id] == nil { hashes[id] = ContentHasher.hash(root) }
            }
        }
        var table = SymbolTable(documents: documents, sink: sink)
        table.failed = failed
        Checker(table: table, sink: sink, options: options).run()
        let diagnostics = Self.deduplicated(sink.diagnostics).sorted(by: Diagnostic.sourceOrder)
        let graph = diagnostics.contains { $0.severity == .error }
            ? nil : GraphBuilder(table: table, documentHashes: hashes).build()
        return CompilationResult(graph: graph, diagnostics: diagnostics, documents: documents)
    }

    /// The same finding reached by two paths (a target checked as a step and as a success criterion) is shown once.
    private static func deduplicated(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var seen: Set<Diagnostic> = []
        return diagnostics.filter { seen.insert($0).inserted }
    }
}
