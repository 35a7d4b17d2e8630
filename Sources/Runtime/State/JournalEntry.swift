import Foundation
import Interpreter

/// A journaled event as it is on disk: its place in the chain, when it was written and the hashes that link it.
///
/// `kind`, `kernel` and `fields` are the stored text the hash covers; `event` is the same entry as a typed
/// `JournalEvent` (decoded once, when the entry is read or written), which is what every reader switches on.
public struct JournalEntry: Sendable, Hashable {
    /// Position in the journal: 1, 2, 3, ... without gaps.
    public var id: Int64
    /// When the event was journaled, to the millisecond (what is stored and hashed).
    public var time: Date
    /// The dotted kind as stored (`kernel.exited`), also for kinds this build does not know.
    public var kind: String
    /// The kernel the entry is about; nil for entries about Grace, runs or the configuration.
    public var kernel: String?
    /// The kind's fields as stored text.
    public var fields: [String: String]
    /// The `hash` of the entry before this one; 64 zeros for the first entry.
    public var previousHash: String
    /// Hex SHA-256 of this entry's contents and `previousHash` (see `JournalChain`).
    public var hash: String
    /// What the entry records.
    public var event: JournalEvent

    /// An entry read back from storage: its event is decoded from the stored text.
    public init(
        id: Int64, time: Date, kind: String, kernel: String?, fields: [String: String], previousHash: String,
        hash: String
    ) {
        self.init(
            id: id, time: time, event: JournalEvent(kind: kind, kernel: kernel, fields: fields), kind: kind,
            kernel: kernel, fields: fields, previousHash: previousHash, hash: hash)
    }

    /// An entry just written from `event`, whose stored text is `kind`, `kernel` and `fields`.
    init(
        id: Int64, time: Date, event: JournalEvent, kind: String, kernel: String?, fields: [String: String],
        previousHash: String, hash: String
    ) {
        self.id = id
        self.time = time
        self.event = event
        self.kind = kind
        self.kernel = kernel
        self.fields = fields
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The stored kind, when this build knows it.
    public var journalKind: JournalKind? { JournalKind(rawValue: kind) }
}
