import Foundation

/// A journaled event as it is on disk: its place in the chain, when it was written and the hashes that link it.
public struct JournalEntry: Sendable, Hashable, Codable {
    /// Position in the journal: 1, 2, 3, ... without gaps.
    public var id: Int64
    /// When the event was journaled, to the millisecond (what is stored and hashed).
    public var time: Date
    public var kind: String
    public var kernel: String?
    public var fields: [String: String]
    /// The `hash` of the entry before this one; 64 zeros for the first entry.
    public var previousHash: String
    /// Hex SHA-256 of this entry's contents and `previousHash` (see `JournalChain`).
    public var hash: String

    public init(
        id: Int64, time: Date, kind: String, kernel: String?, fields: [String: String], previousHash: String,
        hash: String
    ) {
        self.id = id
        self.time = time
        self.kind = kind
        self.kernel = kernel
        self.fields = fields
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The event this entry records.
    public var event: JournalEvent { JournalEvent(kind: kind, kernel: kernel, fields: fields) }
}
