import Foundation
import GRDB
import GraceDSL
import Interpreter

/// A metric's samples over one downsampling bucket, as kept after the raw history is pruned.
public struct MetricRollup: Sendable, Hashable {
    /// The start of the bucket.
    public var bucket: Date
    /// The kernel; nil for the host.
    public var kernel: String?
    /// The metric's name (`memory_rss`).
    public var metric: String
    /// How many samples the bucket held.
    public var count: Int
    /// The smallest sample.
    public var min: Double
    /// The largest sample.
    public var max: Double
    /// The samples' mean.
    public var mean: Double
    /// The bucket's last sample.
    public var last: Double
}

/// How big the history is: what `grace replay` has to work with, and what it costs on disk.
public struct HistoryFigures: Sendable, Hashable {
    /// Raw records (samples, heartbeats, lines, sightings).
    public var records: Int
    /// Downsampled metric rows.
    public var rollups: Int
    /// The oldest raw record, if any.
    public var oldestRecord: Date?
    /// The oldest rollup bucket, if any.
    public var oldestRollup: Date?
}

extension StateStore {
    /// Adds history records in one transaction.
    public func appendHistory(_ records: [HistoryRecord]) throws {
        guard !records.isEmpty else { return }
        try writer.write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT INTO history (time, kind, kernel, name, text) VALUES (?, ?, ?, ?, ?)")
            for r in records {
                try statement.execute(arguments: [
                    StoredTime.milliseconds(r.time), r.kind.rawValue, r.kernel, r.name, r.text,
                ])
            }
        }
    }

    /// Raw history records from `from` up to and including `to`, oldest first (ties in the order they were kept).
    public func history(from: Date, to: Date) throws -> [HistoryRecord] {
        try writer.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT time, kind, kernel, name, text FROM history WHERE time >= ? AND time <= ?
                    ORDER BY time, rowid
                    """,
                arguments: [StoredTime.milliseconds(from), StoredTime.milliseconds(to)])
            var out: [HistoryRecord] = []
            while let row = try rows.next() {
                guard let kind = HistoryRecord.Kind(rawValue: row["kind"]) else { continue }
                out.append(
                    HistoryRecord(
                        time: StoredTime.date(row["time"]), kind: kind, kernel: row["kernel"], name: row["name"],
                        text: row["text"]))
            }
            return out
        }
    }

    /// Raw history records after `position` (a record's `time` and `rowid`; nil: from the start) up to `to`, at most
    /// `limit`, oldest first, each with its position: for reading a long window page by page.
    public func historyPage(after position: (time: Int64, rowid: Int64)?, from: Date, to: Date, limit: Int) throws
        -> [(position: (time: Int64, rowid: Int64), record: HistoryRecord)]
    {
        let start = position ?? (StoredTime.milliseconds(from), -1)
        return try writer.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT rowid, time, kind, kernel, name, text FROM history
                    WHERE time >= ? AND time <= ? AND (time > ? OR rowid > ?)
                    ORDER BY time, rowid LIMIT ?
                    """,
                arguments: [start.0, StoredTime.milliseconds(to), start.0, start.1, limit])
            var out: [(position: (time: Int64, rowid: Int64), record: HistoryRecord)] = []
            while let row = try rows.next() {
                let time: Int64 = row["time"]
                let rowid: Int64 = row["rowid"]
                guard let kind = HistoryRecord.Kind(rawValue: row["kind"]) else { continue }
                out.append(
                    (
                        (time, rowid),
                        HistoryRecord(
                            time: StoredTime.date(time), kind: kind, kernel: row["kernel"], name: row["name"],
                            text: row["text"])
                    ))
            }
            return out
        }
    }

    /// Downsampled metrics whose bucket starts between `from` and `to`, oldest first.
    public func rollups(from: Date, to: Date, kernel: String? = nil, metric: String? = nil) throws -> [MetricRollup] {
        try writer.read { db in
            var sql =
                "SELECT bucket, kernel, metric, count, min, max, sum, last FROM history_rollup "
                + "WHERE bucket >= ? AND bucket <= ?"
            var arguments: StatementArguments = [StoredTime.milliseconds(from), StoredTime.milliseconds(to)]
            if let kernel {
                sql += " AND kernel = ?"
                _ = arguments.append(contentsOf: [kernel])
            }
            if let metric {
                sql += " AND metric = ?"
                _ = arguments.append(contentsOf: [metric])
            }
            sql += " ORDER BY bucket, kernel, metric"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let kernel: String = row["kernel"]
                let count: Int = row["count"]
                let sum: Double = row["sum"]
                return MetricRollup(
                    bucket: StoredTime.date(row["bucket"]), kernel: kernel.isEmpty ? nil : kernel,
                    metric: row["metric"], count: count, min: row["min"], max: row["max"],
                    mean: count > 0 ? sum / Double(count) : 0, last: row["last"])
            }
        }
    }

    /// One metric of one kernel (nil: the host) from `from` to `to`, oldest first: every raw sample, and before the
    /// raw history, one value per downsampled bucket (its `max`, so that a percentile never understates a peak).
    public func metricSamples(kernel: String?, metric: Metric, from: Date, to: Date) throws -> [(
        time: Date, value: Double
    )] {
        let raw = try writer.read { db -> [(Date, Double)] in
            let sql =
                "SELECT time, text FROM history WHERE kind = 'metrics' AND time >= ? AND time <= ? AND "
                + (kernel == nil ? "kernel IS NULL" : "kernel = ?") + " ORDER BY time, rowid"
            var arguments: StatementArguments = [StoredTime.milliseconds(from), StoredTime.milliseconds(to)]
            if let kernel { _ = arguments.append(contentsOf: [kernel]) }
            let prefix = metric.rawValue + "="
            var out: [(Date, Double)] = []
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() {
                let text: String = row["text"]
                // The record's `name=value` pairs; only the one asked for is parsed.
                for pair in text.split(separator: " ") where pair.hasPrefix(prefix) {
                    if let value = Double(pair.dropFirst(prefix.count)) {
                        out.append((StoredTime.date(row["time"]), value))
                    }
                }
            }
            return out
        }
        let firstRaw = raw.first?.0 ?? to.addingTimeInterval(1)
        let older = try rollups(from: from, to: firstRaw, kernel: kernel ?? "", metric: metric.rawValue)
            .filter { $0.bucket < firstRaw }.map { (time: $0.bucket, value: $0.max) }
        return older + raw.map { (time: $0.0, value: $0.1) }
    }

    /// Journal entries written from `from` up to and including `to`, oldest first.
    public func events(from: Date, to: Date) throws -> [JournalEntry] {
        let request = JournalRow.filter(
            JournalRow.Columns.time >= StoredTime.milliseconds(from)
                && JournalRow.Columns.time <= StoredTime.milliseconds(to)
        ).order(JournalRow.Columns.id)
        let rows = try writer.read { try request.fetchAll($0) }
        return try rows.map { try $0.entry() }
    }

    /// The newest entry written before `time` of one of `kinds`, if any.
    public func lastEvent(before time: Date, kinds: [String]) throws -> JournalEntry? {
        let request = JournalRow.filter(JournalRow.Columns.time < StoredTime.milliseconds(time))
            .filter(kinds.contains(JournalRow.Columns.kind)).order(JournalRow.Columns.id.desc).limit(1)
        return try writer.read { try request.fetchOne($0) }.map { try $0.entry() }
    }

    /// Applies the retention: metric records older than `rawBefore` are folded into `every`-long buckets, then
    /// every raw record older than `rawBefore` is deleted, and buckets older than `rollupsBefore`. One transaction.
    /// Returns how many raw records were removed.
    @discardableResult
    public func pruneHistory(rawBefore: Date, rollupsBefore: Date, every: Duration) throws -> Int {
        let cutoff = StoredTime.milliseconds(rawBefore)
        let bucketMS = max(1000, every.milliseconds)
        return try writer.write { db in
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT time, kernel, text FROM history WHERE kind = 'metrics' AND time < ? ORDER BY time, rowid",
                arguments: [cutoff])
            struct Key: Hashable {
                var bucket: Int64
                var kernel: String
                var metric: String
            }
            var folded: [Key: (count: Int, min: Double, max: Double, sum: Double, last: Double)] = [:]
            while let row = try rows.next() {
                let time: Int64 = row["time"]
                let kernel: String? = row["kernel"]
                let record = HistoryRecord(
                    time: StoredTime.date(time), kind: .metrics, kernel: kernel, text: row["text"])
                let bucket = time - time % bucketMS
                for case .metric(_, let metric, let value) in record.events {
                    let key = Key(bucket: bucket, kernel: kernel ?? "", metric: metric.rawValue)
                    if var f = folded[key] {
                        f.count += 1
                        f.min = Swift.min(f.min, value)
                        f.max = Swift.max(f.max, value)
                        f.sum += value
                        f.last = value
                        folded[key] = f
                    } else {
                        folded[key] = (1, value, value, value, value)
                    }
                }
            }
            // A bucket that straddles two prunes is merged with what the first one kept.
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO history_rollup (bucket, kernel, metric, count, min, max, sum, last)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (bucket, kernel, metric) DO UPDATE SET
                      count = count + excluded.count, min = MIN(min, excluded.min), max = MAX(max, excluded.max),
                      sum = sum + excluded.sum, last = excluded.last
                    """)
            for (key, f) in folded {
                try upsert.execute(arguments: [
                    key.bucket, key.kernel, key.metric, f.count, f.min, f.max, f.sum, f.last,
                ])
            }
            try db.execute(sql: "DELETE FROM history WHERE time < ?", arguments: [cutoff])
            let removed = db.changesCount
            try db.execute(
                sql: "DELETE FROM history_rollup WHERE bucket < ?",
                arguments: [StoredTime.milliseconds(rollupsBefore)])
            return removed
        }
    }

    /// How many records and rollups the history holds, and since when.
    public func historyFigures() throws -> HistoryFigures {
        try writer.read { db in
            HistoryFigures(
                records: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM history") ?? 0,
                rollups: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM history_rollup") ?? 0,
                oldestRecord: try Int64.fetchOne(db, sql: "SELECT MIN(time) FROM history").map(StoredTime.date),
                oldestRollup: try Int64.fetchOne(db, sql: "SELECT MIN(bucket) FROM history_rollup").map(
                    StoredTime.date))
        }
    }
}
