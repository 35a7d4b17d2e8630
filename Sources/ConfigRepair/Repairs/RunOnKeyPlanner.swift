import GraceDSL

/// `when {every: 30m}` is valid YAML: the key `when {every` with the value `30m}`. The compiler reports an
/// unknown key (G106) containing a space; a `:` after its first word is the missing colon.
public struct RunOnKeyPlanner: RepairPlanner {
    public let name = "run-on-key"

    public init() {}

    public func proposals(for diagnostic: Diagnostic, in tree: CompiledTree) -> [ConfigChange] {
        guard diagnostic.code == .unknownKey, let key = diagnostic.quotedNames.first, key.contains(" "),
            let source = tree.source(diagnostic.span.file)
        else { return [] }
        let start = diagnostic.span.start.offset
        let word = key.prefix { $0 != " " }
        guard !word.isEmpty, word.allSatisfy({ $0.isLetter || $0 == "_" }),
            source.text(start..<start + word.utf8.count) == word
        else { return [] }
        let end = start + word.utf8.count
        return [
            change(
                diagnostic, source, [TextEdit(file: source.path, range: end..<end, replacement: ":")],
                "add the missing `:` after the key `\(word)`")
        ]
    }
}
