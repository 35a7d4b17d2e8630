import Foundation
import GRDB
import Interpreter

/// Grace's durable state: the append-only, hash-chained event journal, what Grace last knew about each kernel,
/// and the restart history. One SQLite database in WAL mode, shared safely by every task of the process.
///
/// Durability: `append` returns only after its transaction committed. In WAL mode with `synchronous = NORMAL` a
/// committed transaction is in the WAL file (the operating system's page cache) before `append` returns, so it
/// survives a crash or `kill -9` of Grace, which is the requirement; only a power loss or a crash of the machine
/// could lose the last commits, which would take `synchronous = FULL` (an fsync per commit) to prevent.
public final class StateStore: Sendable {
    /// The database file, or `:memory:` for a store made by `inMemoryForTesting()`.
    public let path: String
    let writer: any DatabaseWriter
    /// `journal.head` beside the database (none in memory): the head, recorded after every commit.
    let anchor: JournalHeadAnchor?

    /// Opens (creating it and its parent directories if needed) the database at `path` and brings its schema up
    /// to date. A file that is not an SQLite database is a thrown `StateStoreError`, not a crash.
    public init(path: String) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StateStoreError.cannotCreateDirectory(path: directory.path, reason: Self.describe(error))
        }
        var configuration = Configuration()
        configuration.label = "grace.state"
        // Another process (`grace journal`, a second Grace) may hold the write lock for a moment.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // GRDB already picks NORMAL for a pool's writer; said here because the durability promise above
            // depends on it.
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StateStoreError.cannotOpen(path: path, reason: Self.describe(error))
        }
        writer = pool
        anchor = JournalHeadAnchor(path: directory.appendingPathComponent("journal.head").path)
        try migrate()
    }

    private init(path: String, writer: any DatabaseWriter) throws {
        self.path = path
        self.writer = writer
        anchor = nil
        try migrate()
    }

    /// A store in memory, gone when released: for tests of the code that uses the store.
    public static func inMemoryForTesting() throws -> StateStore {
        try StateStore(path: ":memory:", writer: DatabaseQueue())
    }

    private func migrate() throws {
        let migrator = Migrations.migrator
        do {
            if try writer.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StateStoreError.newerSchema(path: path)
            }
            try migrator.migrate(writer)
        } catch let error as StateStoreError {
            throw error
        } catch {
            throw StateStoreError.cannotOpen(path: path, reason: Self.describe(error))
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? error.description
        }
        return String(describing: error)
    }

    // MARK: - Journal

    /// Journals one event. Returns after the entry is committed (see the type's note on durability).
    @discardableResult
    public func append(_ event: JournalEvent, at time: Date = Date()) throws -> JournalEntry {
        // One event in, one entry out.
        try append([event], at: time)[0]
    }

    /// Journals events in order, in one transaction: all of them are on disk or none is. `record`, when given, is
    /// saved in the same transaction (a kernel's record with the event that changed it: one commit, not two).
    @discardableResult
    public func append(
        _ events: [JournalEvent], saving record: KernelRecord? = nil, at time: Date = Date()
    ) throws -> [JournalEntry] {
        if events.isEmpty {
            if let record { try save(record) }
            return []
        }
        let milliseconds = StoredTime.milliseconds(time)
        let date = StoredTime.date(milliseconds)
        // Encoded before taking the write lock, to hold it as briefly as possible.
        let stored = events.map { (kind: $0.kindName, kernel: $0.kernel, fields: $0.fields) }
        let encodedFields = stored.map { JournalRow.encodeFields($0.fields) }
        // `write` runs an IMMEDIATE transaction: writers are serialized, across processes too, so the head of
        // the chain read here is still the head when the new rows are inserted.
        let entries = try writer.write { db in
            var (lastID, lastHash) = try Self.chainHead(db)
            var entries: [JournalEntry] = []
            entries.reserveCapacity(events.count)
            for ((event, entry), fields) in zip(zip(events, stored), encodedFields) {
                let id = lastID + 1
                let hash = JournalChain.hash(
                    previousHash: lastHash, id: id, timeMilliseconds: milliseconds, kind: entry.kind,
                    kernel: entry.kernel, fields: entry.fields)
                try JournalRow(
                    id: id, time: milliseconds, kind: entry.kind, kernel: entry.kernel, fields: fields,
                    previousHash: lastHash, hash: hash
                ).insertPrepared(db)
                entries.append(
                    JournalEntry(
                        id: id, time: date, event: event, kind: entry.kind, kernel: entry.kernel,
                        fields: entry.fields, previousHash: lastHash, hash: hash))
                (lastID, lastHash) = (id, hash)
            }
            if let record { try KernelRow(record).upsert(db) }
            return entries
        }
        if let head = entries.last { anchor?.write(id: head.id, hash: head.hash) }
        return entries
    }

    /// What `journal.head` records (`.missing` for a store in memory).
    public func headAnchor() -> JournalHeadAnchor.Reading {
        anchor?.read() ?? .missing
    }

    /// How the journal and its head anchor disagree, if they do: entries missing from the end, or the entry the
    /// anchor names changed. nil when they agree, or when there is no readable anchor to compare with. Cheap (two
    /// reads), for Grace's start; `verify()` walks the whole chain.
    public func headAnchorMismatch() throws -> (reason: String, anchorID: Int64, headID: Int64)? {
        guard case .head(let anchorID, let anchorHash) = headAnchor() else { return nil }
        let (headID, hashAtAnchor) = try writer.read { db -> (Int64, String?) in
            let head = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM journal") ?? 0
            let hash = try String.fetchOne(db, sql: "SELECT hash FROM journal WHERE id = ?", arguments: [anchorID])
            return (head, hash)
        }
        if let reason = Self.anchorDisagreement(
            anchorID: anchorID, anchorHash: anchorHash, headID: headID, hashAtAnchor: hashAtAnchor)
        {
            return (reason, anchorID, headID)
        }
        return nil
    }

    private static func anchorDisagreement(
        anchorID: Int64, anchorHash: String, headID: Int64, hashAtAnchor: String?
    ) -> String? {
        if headID < anchorID {
            let missing = anchorID - headID == 1 ? "entry \(anchorID) is" : "entries \(headID + 1)...\(anchorID) are"
            return "\(missing) missing from the end: the head anchor (journal.head) records entry \(anchorID)"
        }
        if let hashAtAnchor, hashAtAnchor != anchorHash {
            return "entry \(anchorID) is not the one the head anchor (journal.head) recorded: the journal was rewritten"
        }
        return nil
    }

    /// The id and hash of the last entry, or (0, genesis) for an empty journal.
    private static func chainHead(_ db: Database) throws -> (id: Int64, hash: String) {
        let statement = try db.cachedStatement(sql: "SELECT id, hash FROM journal ORDER BY id DESC LIMIT 1")
        guard let row = try Row.fetchOne(statement) else { return (0, JournalChain.genesis) }
        return (try row.decode(Int64.self, atIndex: 0), try row.decode(String.self, atIndex: 1))
    }

    /// Entries with an id above `after`, oldest first, at most `limit` of them; only those about `kernel` and of
    /// one of `kinds` when given.
    public func events(
        after id: Int64 = 0, limit: Int = 100, kernel: String? = nil, kinds: [String]? = nil
    ) throws -> [JournalEntry] {
        // `kinds` stays text: the API filters by what a client names, known to this build or not.
        var request = JournalRow.filter(JournalRow.Columns.id > id)
        if let kernel {
            request = request.filter(JournalRow.Columns.kernel == kernel)
        }
        if let kinds {
            request = request.filter(kinds.contains(JournalRow.Columns.kind))
        }
        request = request.order(JournalRow.Columns.id).limit(max(0, limit))
        let rows = try writer.read { try request.fetchAll($0) }
        return try rows.map { try $0.entry() }
    }

    /// The newest entry; nil for an empty journal.
    public func lastEntry() throws -> JournalEntry? {
        try writer.read { db in
            try JournalRow.order(JournalRow.Columns.id.desc).fetchOne(db)
        }?.entry()
    }

    /// The newest entry of kind `kind` (as stored, e.g. `config.known_good`); nil when there is none.
    public func lastEntry(kind: String) throws -> JournalEntry? {
        try writer.read { db in
            try JournalRow.filter(JournalRow.Columns.kind == kind).order(JournalRow.Columns.id.desc).fetchOne(db)
        }?.entry()
    }

    /// The newest `limit` entries of kind `kind` (as stored), newest first. There is no index on `kind`: it walks
    /// back from the head until it has them, so it is for kinds that are rare or recent (`chaos.finished`).
    public func lastEntries(kind: String, limit: Int) throws -> [JournalEntry] {
        let request = JournalRow.filter(JournalRow.Columns.kind == kind).order(JournalRow.Columns.id.desc)
            .limit(max(0, limit))
        return try writer.read { try request.fetchAll($0) }.map { try $0.entry() }
    }

    /// The number of entries in the journal.
    public func count() throws -> Int {
        try writer.read { try JournalRow.fetchCount($0) }
    }

    /// Walks the whole chain in id order, streaming (constant memory): recomputes every hash, checks that each
    /// entry links to the one before and that ids run 1, 2, 3, ... without gaps, then compares the end with the
    /// head anchor (`journal.head`), which catches entries removed from the end and a chain rewritten whole.
    /// Returns the first entry that does not hold.
    public func verify() throws -> JournalVerification {
        let anchor = headAnchor()
        return try writer.read { db in
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT id, time, kind, kernel, fields, previous_hash, hash FROM journal ORDER BY id")
            var expectedID: Int64 = 1
            var previousHash = JournalChain.genesis
            while let row = try cursor.next() {
                let id: Int64
                let time: Int64
                let kind: String
                let kernel: String?
                let text: String
                let storedPrevious: String
                let storedHash: String
                do {
                    id = try row.decode(atIndex: 0)
                    time = try row.decode(atIndex: 1)
                    kind = try row.decode(atIndex: 2)
                    kernel = try row.decode(atIndex: 3)
                    text = try row.decode(atIndex: 4)
                    storedPrevious = try row.decode(atIndex: 5)
                    storedHash = try row.decode(atIndex: 6)
                } catch {
                    return .broken(id: expectedID, reason: "a column cannot be read: \(error)")
                }
                if id > expectedID {
                    let gap = id - expectedID == 1 ? "entry \(expectedID) is" : "entries \(expectedID)...\(id - 1) are"
                    return .broken(id: expectedID, reason: "\(gap) missing: deleted from the journal")
                }
                if id < expectedID {
                    return .broken(id: id, reason: "id out of sequence: expected \(expectedID)")
                }
                if storedPrevious != previousHash {
                    let what = id == 1 ? "the genesis hash" : "the hash of entry \(id - 1)"
                    return .broken(id: id, reason: "previous hash does not match \(what)")
                }
                let fields: [String: String]
                do {
                    fields = try JournalRow.decodeFields(text, id: id)
                } catch {
                    return .broken(id: id, reason: "fields are not a JSON object of strings")
                }
                let computed = JournalChain.hash(
                    previousHash: storedPrevious, id: id, timeMilliseconds: time, kind: kind, kernel: kernel,
                    fields: fields)
                if computed != storedHash {
                    return .broken(
                        id: id, reason: "hash does not match the entry's contents: modified after it was written")
                }
                if case .head(let anchorID, let anchorHash) = anchor, anchorID == id,
                    let reason = Self.anchorDisagreement(
                        anchorID: anchorID, anchorHash: anchorHash, headID: id, hashAtAnchor: storedHash)
                {
                    return .broken(id: id, reason: reason)
                }
                previousHash = storedHash
                expectedID = id + 1
            }
            if case .head(let anchorID, let anchorHash) = anchor,
                let reason = Self.anchorDisagreement(
                    anchorID: anchorID, anchorHash: anchorHash, headID: expectedID - 1, hashAtAnchor: nil)
            {
                return .broken(id: expectedID, reason: reason)
            }
            return .intact(entries: Int(expectedID - 1))
        }
    }

    // MARK: - Kernels

    /// Saves what Grace knows about a kernel, replacing what was saved under the same name.
    public func save(_ record: KernelRecord) throws {
        try writer.write { try KernelRow(record).upsert($0) }
    }

    /// Every saved kernel, by name.
    public func kernelRecords() throws -> [KernelRecord] {
        try writer.read { try KernelRow.order(KernelRow.Columns.name).fetchAll($0) }.map(\.record)
    }

    /// Deletes the record of `name`; nothing happens when there is none.
    public func removeKernelRecord(_ name: String) throws {
        _ = try writer.write { try KernelRow.deleteOne($0, key: name) }
    }

    // MARK: - Restarts

    /// Adds a restart to the history.
    public func record(_ restart: RestartRecord) throws {
        try writer.write { try RestartRow(restart).insert($0) }
    }

    /// The latest `limit` restarts of `kernel`, oldest first.
    public func restarts(kernel: String, limit: Int = 100) throws -> [RestartRecord] {
        let rows = try writer.read { db in
            try RestartRow
                .filter(RestartRow.Columns.kernel == kernel)
                .order(RestartRow.Columns.time.desc, RestartRow.Columns.id.desc)
                .limit(max(0, limit))
                .fetchAll(db)
        }
        return rows.reversed().map(\.record)
    }
}
