import GraceDSL
import Runtime

/// The messages the language-model planner sends: a system message that states the answer's rules, and a user
/// message with the task, the tree's diagnostics and the relevant files' text, each part capped so that one
/// request stays small whatever the tree.
struct LLMPrompt: Sendable {
    /// The most of the files' text one prompt carries.
    static let fileBudget = 20_000
    /// The most of the rendered diagnostics one prompt carries.
    static let diagnosticsBudget = 6_000

    var system: String
    var user: String

    init(task: AgentTask, files: [SourceFile], diagnostics: [Diagnostic]) {
        system = Self.systemText
        var lines = ["Task: \(task.type)"]
        let inputs = task.inputs
        let fields: [(String, String?)] = [
            ("Goal", inputs.goal), ("Kernel", inputs.kernel), ("Log line", inputs.line),
            ("Diagnostic", inputs.diagnostic), ("Path", inputs.path), ("Signature", inputs.signature),
        ]
        for (label, value) in fields {
            if let value, !value.isEmpty { lines.append("\(label): \(Self.cut(value, 1000))") }
        }
        lines.append("")
        lines.append(Self.diagnosticsSection(diagnostics, files: files))
        lines.append("")
        lines.append(Self.filesSection(Self.relevant(files, task: task, diagnostics: diagnostics)))
        user = lines.joined(separator: "\n")
    }

    static let systemText = """
        You maintain the YAML configuration of Grace, a supervision engine. Propose the smallest change to the \
        configuration that carries out the task, as one JSON object following the grace_edit schema, and nothing \
        else.
        Rules:
        - `file` is one of the files shown, spelled as shown.
        - `path` starts with the document's index in the file (0 for the first document; documents are separated \
        by `---`), then the mapping keys and sequence indices (from 0) that lead to the node.
        - Operations: `set` replaces the scalar at path with value; `add_key` adds key: value to the mapping at \
        path; `remove_key` removes key from the mapping at path; `append_item` appends value to the sequence at \
        path; `remove_item` removes the sequence item at path (its last step is the item's index).
        - `key` and `value` are plain strings (null when the operation has none); values are scalars only.
        - Edits apply in order, each to the file as the edits before it left it; at most 20 edits.
        - If no configuration change is called for, answer with an empty `edits` list and say why in `summary`.
        A person reviews every change before it is applied.
        """

    /// The tree's diagnostics as the compiler renders them, capped.
    static func diagnosticsSection(_ diagnostics: [Diagnostic], files: [SourceFile]) -> String {
        guard !diagnostics.isEmpty else { return "Diagnostics: none (the configuration compiles)." }
        let sources = Dictionary(files.map { ($0.path, $0.text) }, uniquingKeysWith: { first, _ in first })
        let rendered = TextDiagnosticRenderer(color: false).render(
            diagnostics.sorted(by: Diagnostic.sourceOrder), sources: sources)
        return "Diagnostics (\(diagnostics.count)):\n" + cut(rendered, diagnosticsBudget)
    }

    /// The files, most relevant first, as many as the budget holds (the first one cut to it if it alone is
    /// larger); each headed by its path and its documents' kinds and names.
    static func filesSection(_ files: [SourceFile]) -> String {
        var parts = ["Files:"]
        var left = fileBudget
        var omitted = 0
        for file in files {
            let size = file.text.utf8.count
            if size <= left {
                parts.append(header(file) + "\n" + file.text)
                left -= size
            } else if parts.count == 1 {
                parts.append(header(file) + " [cut to its first \(left) bytes]\n" + cut(file.text, left))
                left = 0
            } else {
                omitted += 1
            }
        }
        if omitted > 0 { parts.append("(\(omitted) more file(s) left out for length)") }
        return parts.joined(separator: "\n")
    }

    /// `=== config/kernels.yaml (documents: 0 kernel web, 1 kernel store)`.
    static func header(_ file: SourceFile) -> String {
        guard let editor = try? YAMLEditor(file) else { return "=== \(file.path) (does not parse)" }
        let documents = editor.documents.enumerated().map { index, document in
            ([String(index)] + [document.root?["kind"]?.text, document.root?["name"]?.text].compactMap { $0 })
                .joined(separator: " ")
        }
        return "=== \(file.path) (documents: \(documents.joined(separator: ", ")))"
    }

    /// The task's file first, then files with diagnostics, then those that name its kernel, then the grace
    /// document, then the rest; in path order within each group.
    static func relevant(_ files: [SourceFile], task: AgentTask, diagnostics: [Diagnostic]) -> [SourceFile] {
        let diagnosed = Set(diagnostics.map(\.span.file))
        func rank(_ file: SourceFile) -> Int {
            if let path = task.inputs.path, file.path == path || file.path.hasSuffix("/" + path) { return 0 }
            if diagnosed.contains(file.path) { return 1 }
            if let kernel = task.inputs.kernel, file.text.contains(kernel) { return 2 }
            if file.path.hasSuffix("grace.yaml") { return 3 }
            return 4
        }
        return files.sorted { (rank($0), $0.path) < (rank($1), $1.path) }
    }

    /// `text` cut to at most `limit` UTF-8 bytes, at a character boundary.
    static func cut(_ text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var result = ""
        var size = 0
        for character in text {
            size += character.utf8.count
            if size > limit { break }
            result.append(character)
        }
        return result + "\n[... cut]"
    }
}
