import GraceDSL

/// Where each YAML document of a tree is and what it is (`kind/name`), so that a diagnostic can be named by the
/// document it is in rather than by byte offsets, which any edit above it moves.
struct DocumentIndex: Sendable {
    /// One document of one file.
    struct Entry: Sendable, Hashable {
        var file: String
        var range: Range<Int>
        /// `kind/name` as written (either part may be missing or invalid), or `#N` for the N-th document of a file
        /// that names neither.
        var label: String
        /// The content hash of its YAML tree (formatting and comments do not count).
        var hash: String
        /// The document's `name:`, if written as a scalar.
        var name: String?
    }

    private(set) var entries: [Entry] = []

    init(files: [SourceFile], limits: YAMLLimits = .default) {
        let parser = YAMLParser(limits: limits)
        for file in files {
            let parsed = parser.parse(file.text, file: file.path)
            for (index, document) in parsed.documents.enumerated() {
                let range = document.span.start.offset..<max(document.span.start.offset, document.span.end.offset)
                guard let root = document.root else { continue }
                let kind = root["kind"]?.text
                let name = root["name"]?.text
                let label = kind == nil && name == nil ? "#\(index + 1)" : "\(kind ?? "?")/\(name ?? "?")"
                entries.append(
                    Entry(file: file.path, range: range, label: label, hash: ContentHasher.hash(root), name: name))
            }
        }
    }

    /// The document that holds `span`'s start, if one parsed there.
    func label(of span: SourceSpan) -> String? {
        entries.first {
            $0.file == span.file && ($0.range.contains(span.start.offset) || $0.range.upperBound == span.start.offset)
        }?
        .label
    }

    /// The names documents are written with.
    var names: Set<String> { Set(entries.compactMap(\.name)) }

    /// Content hash of each labelled document (the first, when a label repeats).
    var hashes: [String: String] {
        var result: [String: String] = [:]
        for entry in entries where result[entry.label] == nil { result[entry.label] = entry.hash }
        return result
    }
}
