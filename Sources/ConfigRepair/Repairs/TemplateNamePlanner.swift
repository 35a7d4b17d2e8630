import GraceDSL

/// A template naming something not in scope (G505) when the compiler found one close name: every `{{ name }}`
/// of that template becomes `{{ guess }}`.
public struct TemplateNamePlanner: RepairPlanner {
    public let name = "template-name"

    public init() {}

    public func proposals(for diagnostic: Diagnostic, in tree: CompiledTree) -> [ConfigChange] {
        let names = diagnostic.quotedNames
        guard diagnostic.code == .templateUnknownName, diagnostic.message.contains("did you mean"), names.count == 2,
            let source = tree.source(diagnostic.span.file)
        else { return [] }
        let (wrong, guess) = (names[0], names[1])
        let start = diagnostic.span.start.offset
        let end = min(diagnostic.span.end.offset, source.bytes.count)
        let open = Array("{{".utf8)
        let close = Array("}}".utf8)
        var edits: [TextEdit] = []
        var i = start
        while i + 1 < end {
            guard source.bytes[i] == open[0], source.bytes[i + 1] == open[1] else {
                i += 1
                continue
            }
            var j = i + 2
            while j + 1 < end, !(source.bytes[j] == close[0] && source.bytes[j + 1] == close[1]) { j += 1 }
            guard j + 1 < end else { break }
            var a = i + 2
            var b = j
            while a < b, source.bytes[a] == UInt8(ascii: " ") { a += 1 }
            while b > a, source.bytes[b - 1] == UInt8(ascii: " ") { b -= 1 }
            if source.text(a..<b) == wrong {
                edits.append(TextEdit(file: source.path, range: a..<b, replacement: guess))
            }
            i = j + 2
        }
        guard !edits.isEmpty else { return [] }
        return [change(diagnostic, source, edits, "replace `{{ \(wrong) }}` with `{{ \(guess) }}`")]
    }
}
