import GRDB

/// A row of the `kernel` table: a `KernelRecord` with its start time in milliseconds.
struct KernelRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "kernel"

    var name: String
    var state: String
    var pid: Int32?
    var processGroup: Int32?
    var startedAt: Int64?
    var restarts: Int
    var lastExit: String?
    var specHash: String?

    enum CodingKeys: String, CodingKey {
        case name, state, pid, restarts
        case processGroup = "process_group"
        case startedAt = "started_at"
        case lastExit = "last_exit"
        case specHash = "spec_hash"
    }

    enum Columns {
        static let name = Column(CodingKeys.name)
    }

    init(_ record: KernelRecord) {
        name = record.name
        state = record.state
        pid = record.pid
        processGroup = record.processGroup
        startedAt = record.startedAt.map(StoredTime.milliseconds)
        restarts = record.restarts
        lastExit = record.lastExit
        specHash = record.specHash
    }

    var record: KernelRecord {
        KernelRecord(
            name: name, state: state, pid: pid, processGroup: processGroup, startedAt: startedAt.map(StoredTime.date),
            restarts: restarts, lastExit: lastExit, specHash: specHash)
    }
}
