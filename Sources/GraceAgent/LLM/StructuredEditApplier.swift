import GraceDSL

/// Turns a model's `StructuredEdit` into span-preserving `TextEdit`s of the tree, or refuses it with a reason.
/// Nothing the model says is trusted: each edit must name one of the tree's files, a known operation, a path that
/// resolves in that file as the edits before it left it, and scalar text only; at most
/// `GraceEditSchema.maxEdits` edits. Every edit goes through `YAMLEditor`, never raw text, and each edited file
/// must parse again.
public struct StructuredEditApplier: Sendable {
    /// The longest scalar a model may write.
    public static let maxValueLength = 4096

    /// The tree as it is.
    public var files: [SourceFile]

    /// An applier for `files`.
    public init(files: [SourceFile]) {
        self.files = files
    }

    /// The edits that make `answer`'s change, one per changed file (the changed span of its text).
    public func textEdits(for answer: StructuredEdit) throws(LLMError) -> [TextEdit] {
        guard !answer.edits.isEmpty else { throw .refusedEdit("it has no edits") }
        guard answer.edits.count <= GraceEditSchema.maxEdits else {
            throw .refusedEdit("it has \(answer.edits.count) edits; at most \(GraceEditSchema.maxEdits) are allowed")
        }
        var current = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        for (number, edit) in zip(1..., answer.edits) {
            guard let file = current[edit.file] else {
                throw .refusedEdit("edit \(number): \(edit.file) is not one of the configuration's files")
            }
            let edits: [TextEdit]
            do throws(LLMError) {
                edits = try Self.apply(edit, to: file)
            } catch {
                if case .refusedEdit(let why) = error { throw .refusedEdit("edit \(number): \(why)") }
                throw error
            }
            do {
                current[edit.file] = try file.applying(edits)
            } catch {
                throw .refusedEdit("edit \(number): \(error)")
            }
        }
        var result: [TextEdit] = []
        for original in files {
            guard let edited = current[original.path], edited.text != original.text else { continue }
            do {
                _ = try YAMLEditor(edited)
            } catch {
                throw .refusedEdit("\(original.path) would not parse after the edits: \(error)")
            }
            result.append(Self.difference(from: original, to: edited))
        }
        guard !result.isEmpty else { throw .refusedEdit("it changes nothing") }
        return result
    }

    /// The edits of one structured edit against `file` as it is now.
    static func apply(_ edit: StructuredEdit.Edit, to file: SourceFile) throws(LLMError) -> [TextEdit] {
        guard let operation = StructuredEdit.Operation(rawValue: edit.operation) else {
            throw .refusedEdit(
                "unknown operation `\(edit.operation)` (one of \(GraceEditSchema.operations.joined(separator: ", ")))")
        }
        guard case .index(let document) = edit.path.first else {
            throw .refusedEdit("its path must start with the document's index in \(edit.file)")
        }
        let path = YAMLPath(
            document: document,
            edit.path.dropFirst().map { step in
                switch step {
                case .key(let key): .key(key)
                case .index(let index): .index(index)
                }
            })
        for text in [edit.key, edit.value].compactMap({ $0 }) where text.utf8.count > maxValueLength {
            throw .refusedEdit("a key or value is longer than \(maxValueLength) bytes")
        }
        let editor: YAMLEditor
        do {
            editor = try YAMLEditor(file)
        } catch {
            throw .refusedEdit(error.description)
        }
        do {
            switch operation {
            case .set:
                let value = try required(edit.value, "value", operation)
                guard try editor.node(at: path).scalar != nil else {
                    throw LLMError.refusedEdit("`set` replaces a scalar; \(edit.file) \(path) is not one")
                }
                return try editor.setScalar(at: path, to: value)
            case .addKey:
                let key = try required(edit.key, "key", operation)
                return try editor.addKey(key, value: .string(try required(edit.value, "value", operation)), to: path)
            case .removeKey:
                return try editor.removeKey(try required(edit.key, "key", operation), from: path)
            case .appendItem:
                return try editor.appendItem(.string(try required(edit.value, "value", operation)), to: path)
            case .removeItem:
                guard case .index = path.components.last else {
                    throw LLMError.refusedEdit("`remove_item` needs a path that ends with the item's index")
                }
                return try editor.removeItem(at: path)
            }
        } catch let error as LLMError {
            throw error
        } catch let error as YAMLEditError {
            throw .refusedEdit("\(edit.file): \(error.description)")
        } catch {
            throw .refusedEdit("\(edit.file): \(error)")
        }
    }

    /// `text` when it is there and not empty.
    static func required(_ text: String?, _ field: String, _ operation: StructuredEdit.Operation) throws(LLMError)
        -> String
    {
        guard let text, !text.isEmpty else { throw .refusedEdit("`\(operation.rawValue)` needs a \(field)") }
        return text
    }

    /// One edit replacing the span where `edited` differs from `original` (common prefix and suffix kept, cut
    /// at character boundaries).
    static func difference(from original: SourceFile, to edited: SourceFile) -> TextEdit {
        let old = Array(original.text.utf8)
        let new = Array(edited.text.utf8)
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        while prefix > 0, prefix < old.count, old[prefix] & 0xC0 == 0x80 { prefix -= 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
            old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            suffix += 1
        }
        while suffix > 0, old[old.count - suffix] & 0xC0 == 0x80 { suffix -= 1 }
        let replacement = String(decoding: new[prefix..<(new.count - suffix)], as: UTF8.self)
        return TextEdit(file: original.path, range: prefix..<(old.count - suffix), replacement: replacement)
    }
}
