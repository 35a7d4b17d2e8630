/// A part of a file whose documents were not read, and the diagnostic that says why: after a syntax error (G001)
/// or an over-deep nesting (G003), from the start of the document that failed to the end of the file (documents
/// before it were read); for a document refused by the alias limit (G002) or for an unknown anchor (G008), that
/// document; for a file over the size limit (G006), the whole file.
///
/// Whatever the documents there define is unknown to the rest of the configuration, so references to those names
/// cannot be checked; the compiler says so once, on `cause`, instead of reporting each reference.
public struct UnreadRegion: Sendable, Hashable {
    /// The text that was not read.
    public var span: SourceSpan
    /// The diagnostic that explains why.
    public var cause: Diagnostic

    /// Creates a region of `span` that was not read because of `cause`.
    public init(span: SourceSpan, cause: Diagnostic) {
        self.span = span
        self.cause = cause
    }

    /// The names that the documents in this region may define: the value of every `name:` entry (block or flow
    /// style, quoted or not) that is a valid name, found by looking at the text, since it is not valid YAML.
    ///
    /// This over-approximates on purpose: it also finds the names of steps and fleet instances, and names in
    /// comments and strings. A name found here that the region does not really define only means that
    /// references to it stay unchecked until the file parses; a name missed would bring back the cascade of
    /// "unknown" errors this exists to prevent.
    public func possiblyDefinedNames(in text: String) -> Set<String> {
        let utf8 = text.utf8
        let start = min(max(span.start.offset, 0), utf8.count)
        let end = min(max(span.end.offset, start), utf8.count)
        let bytes = Array(utf8)[start..<end]
        var names: Set<String> = []
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if let (value, next) = Self.nameValue(in: bytes, at: i) {
                if DocumentDecoder.isValidName(value) { names.insert(value) }
                i = next
            } else {
                i += 1
            }
        }
        return names
    }

    private static let key = Array("name".utf8)

    /// When a `name:` key starts at `i`, its value and the index after it.
    private static func nameValue(in bytes: ArraySlice<UInt8>, at i: Int) -> (String, Int)? {
        let end = bytes.endIndex
        guard i + key.count <= end, bytes[i..<i + key.count].elementsEqual(key) else { return nil }
        // `name` must start a key: at the start of the text or a line, after indentation, `- `, `{`, `,`, `?` or an
        // opening quote (`"name": x`), never inside a longer word (`hostname:`).
        var quote: UInt8?
        if i > bytes.startIndex {
            let before = bytes[i - 1]
            if before == UInt8(ascii: "\"") || before == UInt8(ascii: "'") {
                quote = before
            } else if !isSpace(before) && !isNewline(before) && !"{,?".utf8.contains(before) {
                return nil
            }
        }
        var j = i + key.count
        if let quote {
            guard j < end, bytes[j] == quote else { return nil }
            j += 1
        }
        while j < end, isSpace(bytes[j]) { j += 1 }
        guard j < end, bytes[j] == UInt8(ascii: ":") else { return nil }
        j += 1
        while j < end, isSpace(bytes[j]) { j += 1 }
        var valueStart = j
        if j < end, bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: "'") {
            let close = bytes[j]
            valueStart = j + 1
            j = valueStart
            while j < end, bytes[j] != close, !isNewline(bytes[j]) { j += 1 }
        } else {
            while j < end, !isSpace(bytes[j]), !isNewline(bytes[j]), !",}]#".utf8.contains(bytes[j]) { j += 1 }
        }
        return (String(decoding: bytes[valueStart..<j], as: UTF8.self), j)
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
    private static func isNewline(_ b: UInt8) -> Bool { b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") }
}
