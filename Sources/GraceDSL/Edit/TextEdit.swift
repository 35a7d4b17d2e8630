/// A replacement of a byte range of one file's text: the unit every configuration change is made of (a
/// compiler fix-it, a repair, a refactoring, a learned pattern). Everything outside `range` stays byte for byte.
public struct TextEdit: Sendable, Hashable, Codable {
    /// The file's path as the compiler shows it.
    public var file: String
    /// UTF-8 byte offsets into the file's text, end exclusive; an empty range inserts.
    public var start: Int
    /// See `start`.
    public var end: Int
    /// The new text of the range.
    public var replacement: String

    /// Replaces bytes `range` of `file` with `replacement`.
    public init(file: String, range: Range<Int>, replacement: String) {
        self.file = file
        self.start = range.lowerBound
        self.end = range.upperBound
        self.replacement = replacement
    }

    /// The edit a compiler fix-it describes.
    public init(_ fixIt: FixIt) {
        self.init(
            file: fixIt.span.file, range: fixIt.span.start.offset..<fixIt.span.end.offset,
            replacement: fixIt.replacement)
    }

    /// The byte range it replaces.
    public var range: Range<Int> { start..<end }
}

/// Why a set of edits could not be applied; nothing is changed then.
public enum TextEditError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Two edits of one file replace overlapping ranges (or insert at the same offset).
    case overlapping(file: String, TextEdit, TextEdit)
    /// An edit reaches outside its file, or splits a UTF-8 sequence.
    case outOfBounds(TextEdit, length: Int)
    /// An edit names a file that is not among those being edited.
    case unknownFile(String)

    /// A line for the user.
    public var description: String {
        switch self {
        case .overlapping(let file, let a, let b):
            "edits of \(file) overlap: bytes \(a.start)..<\(a.end) and \(b.start)..<\(b.end)"
        case .outOfBounds(let edit, let length):
            "edit of \(edit.file) at bytes \(edit.start)..<\(edit.end) is outside its \(length) bytes"
        case .unknownFile(let path): "no file \(path) to edit"
        }
    }
}

extension SourceFile {
    /// This file with `edits` (all of this file) applied; every byte outside their ranges is kept.
    public func applying(_ edits: [TextEdit]) throws(TextEditError) -> SourceFile {
        let mine = edits.filter { $0.file == path }.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
        guard !mine.isEmpty else { return self }
        let bytes = Array(text.utf8)
        for (a, b) in zip(mine, mine.dropFirst()) where b.start < a.end || (a.start == b.start && a.end == b.end) {
            throw .overlapping(file: path, a, b)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var cursor = 0
        for edit in mine {
            guard edit.start >= 0, edit.start <= edit.end, edit.end <= bytes.count,
                isBoundary(bytes, edit.start), isBoundary(bytes, edit.end)
            else { throw .outOfBounds(edit, length: bytes.count) }
            out.append(contentsOf: bytes[cursor..<edit.start])
            out.append(contentsOf: edit.replacement.utf8)
            cursor = edit.end
        }
        out.append(contentsOf: bytes[cursor...])
        return SourceFile(path: path, text: String(decoding: out, as: UTF8.self))
    }

    /// Whether `offset` starts a character (not a UTF-8 continuation byte).
    private func isBoundary(_ bytes: [UInt8], _ offset: Int) -> Bool {
        offset == bytes.count || bytes[offset] & 0xC0 != 0x80
    }
}

extension Array where Element == SourceFile {
    /// These files with `edits` applied, each edit to the file it names.
    public func applying(_ edits: [TextEdit]) throws(TextEditError) -> [SourceFile] {
        let paths = Set(map(\.path))
        if let stray = edits.first(where: { !paths.contains($0.file) }) { throw .unknownFile(stray.file) }
        var result: [SourceFile] = []
        for file in self { result.append(try file.applying(edits)) }
        return result
    }
}
