/// Why the state database could not be used. Data read from disk never crashes Grace; it ends up here.
public enum StateStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The directory that should hold the database could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// The file is not an SQLite database, is unreadable, or its schema could not be brought up to date.
    case cannotOpen(path: String, reason: String)
    /// The database was written by a newer Grace whose migrations this build does not know.
    case newerSchema(path: String)
    /// A journal entry whose stored columns cannot be read back (the rest of the journal may still be fine).
    case corruptEntry(id: Int64, reason: String)

    /// One line for the user, naming the file or entry.
    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason):
            "cannot create state directory \(path): \(reason)"
        case .cannotOpen(let path, let reason):
            "cannot open state database \(path): \(reason)"
        case .newerSchema(let path):
            "state database \(path) was written by a newer version of Grace"
        case .corruptEntry(let id, let reason):
            "journal entry \(id) is corrupt: \(reason)"
        }
    }
}
