/// A position in a source file: 1-based line and column (columns count Unicode scalars... as libyaml does,
/// in characters), and the 0-based byte offset.
public struct SourceLocation: Sendable, Hashable, Codable, Comparable {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        lhs.offset < rhs.offset
    }
}

/// A range of source text in one file, from `start` up to (not including) `end`.
public struct SourceSpan: Sendable, Hashable, Codable {
    public var file: String
    public var start: SourceLocation
    public var end: SourceLocation

    public init(file: String, start: SourceLocation, end: SourceLocation) {
        self.file = file
        self.start = start
        self.end = end
    }

    /// A zero-width span at the start of a file, for diagnostics about a whole file.
    public static func file(_ path: String) -> SourceSpan {
        let origin = SourceLocation(line: 1, column: 1, offset: 0)
        return SourceSpan(file: path, start: origin, end: origin)
    }
}

extension SourceSpan {
    /// Source order: by file path, then by position in the file.
    public func precedes(_ other: SourceSpan) -> Bool {
        file != other.file ? file < other.file : start.offset < other.start.offset
    }
}
