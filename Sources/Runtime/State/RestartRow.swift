import GRDB

/// A row of the `restart` table: a `RestartRecord` with its time in milliseconds.
struct RestartRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "restart"

    /// Assigned by SQLite; orders restarts recorded in the same millisecond.
    var id: Int64?
    var kernel: String
    var time: Int64
    var reason: String
    var delayMilliseconds: Int64

    enum CodingKeys: String, CodingKey {
        case id, kernel, time, reason
        case delayMilliseconds = "delay_ms"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let kernel = Column(CodingKeys.kernel)
        static let time = Column(CodingKeys.time)
    }

    init(_ record: RestartRecord) {
        id = nil
        kernel = record.kernel
        time = StoredTime.milliseconds(record.time)
        reason = record.reason
        delayMilliseconds = record.delayMilliseconds
    }

    var record: RestartRecord {
        RestartRecord(
            kernel: kernel, time: StoredTime.date(time), reason: reason, delayMilliseconds: delayMilliseconds)
    }
}
