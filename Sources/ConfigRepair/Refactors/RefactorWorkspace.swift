import GraceDSL

/// Files changed by a sequence of YAMLEditor operations, each on the result of the one before; the change is
/// the difference from the originals, one edit per file covering the bytes that differ.
struct RefactorWorkspace {
    /// A document: which file, which document in it, and its root.
    struct Location {
        var file: Int
        var document: Int
        var root: YAMLNode
    }

    let original: [SourceFile]
    private(set) var files: [SourceFile]

    init(_ files: [SourceFile]) {
        original = files
        self.files = files
    }

    func editor(_ file: Int) throws -> YAMLEditor {
        do { return try YAMLEditor(files[file]) } catch { throw RefactorError.edit(error) }
    }

    /// Every document whose `kind` is `kind`, in file order.
    func documents(_ kind: DocumentKind) throws -> [Location] {
        var result: [Location] = []
        for index in files.indices {
            for (d, document) in try editor(index).documents.enumerated() {
                if let root = document.root, root["kind"]?.text == kind.rawValue {
                    result.append(Location(file: index, document: d, root: root))
                }
            }
        }
        return result
    }

    /// The document of `kind` named `name`.
    func find(_ kind: DocumentKind, _ name: String) throws -> Location {
        guard let found = try documents(kind).first(where: { $0.root["name"]?.text == name }) else {
            throw RefactorError.noDocument(kind: kind.rawValue, name: name)
        }
        return found
    }

    /// Applies the edits `operation` makes with an editor of file `file`'s current text.
    mutating func apply(_ file: Int, _ operation: (YAMLEditor) throws -> [TextEdit]) throws {
        let edits = try operation(editor(file))
        do { files[file] = try files[file].applying(edits) } catch {
            throw RefactorError.notApplicable(error.description)
        }
    }

    /// One edit per changed file: the bytes between the longest common prefix and suffix.
    var edits: [TextEdit] {
        zip(original, files).compactMap { before, after in
            let a = Array(before.text.utf8)
            let b = Array(after.text.utf8)
            guard a != b else { return nil }
            var prefix = 0
            while prefix < min(a.count, b.count), a[prefix] == b[prefix] { prefix += 1 }
            var suffix = 0
            while suffix < min(a.count, b.count) - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
                suffix += 1
            }
            // Keep both ends on character boundaries.
            while prefix > 0,
                (prefix < a.count && a[prefix] & 0xC0 == 0x80) || (prefix < b.count && b[prefix] & 0xC0 == 0x80)
            {
                prefix -= 1
            }
            while suffix > 0, a[a.count - suffix] & 0xC0 == 0x80 || b[b.count - suffix] & 0xC0 == 0x80 {
                suffix -= 1
            }
            let replacement = String(decoding: b[prefix..<(b.count - suffix)], as: UTF8.self)
            return TextEdit(file: before.path, range: prefix..<(a.count - suffix), replacement: replacement)
        }
    }
}
