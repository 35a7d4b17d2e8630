import GRDB

@testable import Runtime

extension StateStore {
    /// Makes the database as full as a full disk would: SQLite's `max_page_count` set to the pages in use, so the
    /// next write that needs a page fails with SQLITE_FULL, as it would on a full disk; nil lifts the limit.
    func simulateFullDisk(_ full: Bool) throws {
        try writer.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(full ? pages : 1_073_741_823)")
        }
    }
}
