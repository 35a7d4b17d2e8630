import GRDB

@testable import Runtime

extension StateStore {
    /// As in RuntimeTests (a test target cannot import another's helpers): SQLite's `max_page_count` set to the
    /// pages in use, so the next write that needs a page fails with SQLITE_FULL as on a full disk; false lifts it.
    func simulateFullDisk(_ full: Bool) throws {
        try writer.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(full ? pages : 1_073_741_823)")
        }
    }
}
