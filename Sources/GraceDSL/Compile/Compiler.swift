/// What a compilation produced.
public struct CompilationResult: Sendable {
    /// The graph, when there were no errors (warnings allowed).
    public var graph: ExecutionGraph?
    /// Every diagnostic, in source order.
    public var diagnostics: [Diagnostic]
    /// Documents that decoded, errors or not (tools such as `grace plan` use them).
    public var documents: [Document]

    /// The grace document's settings: the graph's, or as decoded when the configuration has errors elsewhere
    /// (the state directory and the agent's policy matter most then).
    public var graceSettings: GraceSettings? {
        graph?.settings
            ?? documents.lazy.compactMap { document -> GraceSettings? in
                if case .grace(let settings) = document { settings } else { nil }
            }.first
    }

    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
}

/// Compiles configuration files into an `ExecutionGraph`: YAML -> nodes -> typed documents -> checks -> graph.
public struct Compiler: Sendable {
    public var options: CompilerOptions

    public init(options: CompilerOptions = CompilerOptions()) {
        self.options = options
    }

    /// Compiles `files`. With `buildingGraph: false` (what `grace validate` needs) only the diagnostics and the
    /// documents are produced: the graph and the documents' content hashes are skipped. The diagnostics are the
    /// same either way, since the graph is built only after every diagnostic is known.
    public func compile(_ files: [SourceFile], buildingGraph: Bool = true) -> CompilationResult {
        let sink = DiagnosticSink()
        // Sorted by path so that documents arrive in source order and reports are the same whatever order
        // the files were given in.
        let sorted = files.sorted(by: { $0.path < $1.path })
        // Files are independent until the symbol table: each is parsed and decoded on its own (concurrently),
        // then the outcomes are merged in path order, so that diagnostics, documents, `failed` and the first
        // hash of each document id come out exactly as a sequential pass would give them.
        var outcomes = ParallelMap.map(sorted) { file in
            Self.parseAndDecode(file, limits: options.yamlLimits, hashing: buildingGraph)
        }
        var documents: [Document] = []
        documents.reserveCapacity(outcomes.reduce(0) { $0 + $1.documents.count })
        var hashes: [DocumentID: String] = [:]
        var failed: Set<DocumentID> = []
        var unread: [UnreadDefinitions] = []
        for index in outcomes.indices {
            // Each outcome is emptied as it is merged, so that two copies of every document never coexist
            // (a `Document` is as large inline as its largest kind: at 100k documents a copy is ~100 MB).
            let outcome = outcomes[index]
            outcomes[index] = FileOutcome()
            sink.append(contentsOf: outcome.diagnostics)
            documents.append(contentsOf: outcome.documents)
            failed.formUnion(outcome.failed)
            unread.append(contentsOf: outcome.unread)
            for (id, hash) in outcome.hashes where hashes[id] == nil { hashes[id] = hash }
        }
        var table = SymbolTable(documents: documents, sink: sink)
        table.failed = failed
        let checker = Checker(table: table, sink: sink, options: options, unread: unread)
        checker.run()
        var diagnostics = Self.deduplicated(sink.diagnostics)
        // References held back because an unread part of a file may define them are told once, on the
        // diagnostic that says why that part was not read.
        let heldBack = Dictionary(checker.unread.map { ($0.region.cause, $0.notes()) }, uniquingKeysWith: +)
        if heldBack.values.contains(where: { !$0.isEmpty }) {
            for i in diagnostics.indices {
                if let notes = heldBack[diagnostics[i]] { diagnostics[i].notes += notes }
            }
        }
        diagnostics.sort(by: Diagnostic.sourceOrder)
        let graph =
            !buildingGraph || diagnostics.contains { $0.severity == .error }
            ? nil : GraphBuilder(table: table, documentHashes: hashes).build()
        return CompilationResult(graph: graph, diagnostics: diagnostics, documents: documents)
    }

    /// What one file contributes before cross-document checks. The YAML trees are dropped here: only the
    /// typed documents (and the few nodes they keep, such as `with:` values) outlive the file's decoding.
    private struct FileOutcome: Sendable {
        var diagnostics: [Diagnostic] = []
        var documents: [Document] = []
        var failed: [DocumentID] = []
        /// Parts of the file that did not parse, with the names they may define.
        var unread: [UnreadDefinitions] = []
        /// Content hash of each decoded document, in source order (empty when not hashing).
        var hashes: [(DocumentID, String)] = []
    }

    private static func parseAndDecode(_ file: SourceFile, limits: YAMLLimits, hashing: Bool) -> FileOutcome {
        let sink = DiagnosticSink()
        let parsed = YAMLParser(limits: limits).parse(file.text, file: file.path)
        sink.append(contentsOf: parsed.diagnostics)
        let decoder = DocumentDecoder(sink: sink)
        var outcome = FileOutcome()
        outcome.unread = parsed.unread.map {
            UnreadDefinitions(region: $0, names: $0.possiblyDefinedNames(in: file.text))
        }
        for yamlDocument in parsed.documents {
            guard let root = yamlDocument.root else { continue }
            guard let document = decoder.decode(yamlDocument) else {
                // Remember what failed so that references to it are not reported a second time.
                if let kind = root["kind"]?.text.flatMap(DocumentKind.init(rawValue:)), let name = root["name"]?.text {
                    outcome.failed.append(DocumentID(kind: kind, name: name))
                }
                continue
            }
            outcome.documents.append(document)
            if hashing {
                let id = DocumentID(kind: document.header.kind, name: document.header.name.value)
                outcome.hashes.append((id, ContentHasher.hash(root)))
            }
        }
        outcome.diagnostics = sink.diagnostics
        return outcome
    }

    /// The same finding reached by two paths (a target checked as a step and as a success criterion) is shown once.
    private static func deduplicated(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var seen: Set<Diagnostic> = []
        return diagnostics.filter { seen.insert($0).inserted }
    }
}
