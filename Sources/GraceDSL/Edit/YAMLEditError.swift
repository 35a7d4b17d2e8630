/// Why `YAMLEditor` made no edits.
public enum YAMLEditError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file did not parse completely; editing text the parser could not read is unsafe.
    case unparsable(file: String, reason: String)
    /// The path leads nowhere: a missing key, an index out of range, or a step into a scalar.
    case noSuchNode(YAMLPath)
    /// The node at the path is not of the kind the operation needs.
    case wrongKind(YAMLPath, expected: String, found: String)
    /// The mapping already has the key being added.
    case duplicateKey(YAMLPath, String)
    /// The document index is outside the file.
    case noSuchDocument(Int, count: Int)
    /// The edit would touch something this editor does not rewrite (an alias, an anchor, a tag, a complex key).
    case unsupported(YAMLPath, String)

    /// A line for the user.
    public var description: String {
        switch self {
        case .unparsable(let file, let reason): "\(file) cannot be edited: it does not parse (\(reason))"
        case .noSuchNode(let path): "no node at \(path)"
        case .wrongKind(let path, let expected, let found): "\(path) is \(found), not \(expected)"
        case .duplicateKey(let path, let key): "the mapping at \(path) already has a key `\(key)`"
        case .noSuchDocument(let index, let count): "no document \(index): the file has \(count)"
        case .unsupported(let path, let why): "cannot edit \(path): \(why)"
        }
    }
}
