import Foundation
import GRDB
import Interpreter

/// The knowledge base's tables (migration `v2-knowledge`): signatures, sightings per kernel, bindings to
/// playbooks with their success records, and each kernel's template miner.
extension StateStore {
    /// Adds sightings, creating signatures seen for the first time; one transaction for the batch.
    func recordSightings(_ sightings: [SightingCount]) throws {
        guard !sightings.isEmpty else { return }
        try writer.write { db in
            for s in sightings {
                let first = StoredTime.milliseconds(s.firstSeen)
                let last = StoredTime.milliseconds(s.lastSeen)
                try db.execute(
                    sql: """
                        INSERT INTO kb_signature (id, template, severity, example, first_seen, last_seen, count)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET template = excluded.template, example = excluded.example,
                            severity = excluded.severity,
                            first_seen = min(first_seen, excluded.first_seen),
                            last_seen = max(last_seen, excluded.last_seen), count = count + excluded.count
                        """,
                    arguments: [s.signature, s.template, s.severity.rawValue, s.example, first, last, s.count])
                try db.execute(
                    sql: """
                        INSERT INTO kb_sighting (signature, kernel, count, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(signature, kernel) DO UPDATE SET count = count + excluded.count,
                            first_seen = min(first_seen, excluded.first_seen),
                            last_seen = max(last_seen, excluded.last_seen)
                        """,
                    arguments: [s.signature, s.kernel, s.count, first, last])
            }
        }
    }

    /// A template generalised (a new line made a constant position variable), so its id changed: everything
    /// recorded under the old id moves to the new one, merged with what the new id already has.
    public func renameSignature(from old: String, to new: String, template: String) throws {
        guard old != new else { return }
        try writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM kb_signature WHERE id = ?", arguments: [old])
            else {
                return
            }
            let first: Int64 = row["first_seen"]
            let last: Int64 = row["last_seen"]
            let count: Int = row["count"]
            let severity: String = row["severity"]
            let example: String? = row["example"]
            try db.execute(
                sql: """
                    INSERT INTO kb_signature (id, template, severity, example, first_seen, last_seen, count)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET template = excluded.template,
                        first_seen = min(first_seen, excluded.first_seen),
                        last_seen = max(last_seen, excluded.last_seen), count = count + excluded.count
                    """,
                arguments: [new, template, severity, example, first, last, count])
            try db.execute(
                sql: """
                    INSERT INTO kb_sighting (signature, kernel, count, first_seen, last_seen)
                    SELECT ?, kernel, count, first_seen, last_seen FROM kb_sighting WHERE signature = ? AND true
                    ON CONFLICT(signature, kernel) DO UPDATE SET count = count + excluded.count,
                        first_seen = min(first_seen, excluded.first_seen),
                        last_seen = max(last_seen, excluded.last_seen)
                    """,
                arguments: [new, old])
            try db.execute(
                sql: """
                    INSERT INTO kb_binding (signature, playbook, successes, failures, origin, created, updated)
                    SELECT ?, playbook, successes, failures, origin, created, updated FROM kb_binding
                    WHERE signature = ? AND true
                    ON CONFLICT(signature, playbook) DO UPDATE SET successes = successes + excluded.successes,
                        failures = failures + excluded.failures, updated = max(updated, excluded.updated)
                    """,
                arguments: [new, old])
            try Self.deleteSignature(old, in: db)
        }
    }

    /// Seeds the declared signature documents with their bindings; a declared signature no longer in the
    /// configuration loses its declared binding (what was seen of it stays).
    public func seedDeclared(_ declared: [(name: String, template: String, severity: String, playbook: String?)]) throws
    {
        let now = StoredTime.milliseconds(Date())
        try writer.write { db in
            try db.execute(sql: "DELETE FROM kb_binding WHERE origin = 'declared'")
            for d in declared {
                let id = "declared:" + d.name
                try db.execute(
                    sql: """
                        INSERT INTO kb_signature (id, template, severity, declared, first_seen, last_seen, count)
                        VALUES (?, ?, ?, ?, ?, ?, 0)
                        ON CONFLICT(id) DO UPDATE SET template = excluded.template, severity = excluded.severity,
                            declared = excluded.declared
                        """,
                    arguments: [id, d.template, d.severity, d.name, now, now])
                if let playbook = d.playbook {
                    try db.execute(
                        sql: """
                            INSERT INTO kb_binding (signature, playbook, origin, created, updated)
                            VALUES (?, ?, 'declared', ?, ?)
                            ON CONFLICT(signature, playbook) DO UPDATE SET origin = 'declared'
                            """,
                        arguments: [id, playbook, now, now])
                }
            }
        }
    }

    /// Counts one outcome of running `playbook` for `signature`, creating a learned binding when `create` and
    /// there is none; returns the binding as it now stands and whether this created it, or nil when there was
    /// none to update.
    @discardableResult
    public func recordOutcome(
        signature: String, playbook: String, healed: Bool, create: Bool
    ) throws -> (binding: BindingEvidence, created: Bool)? {
        let now = StoredTime.milliseconds(Date())
        return try writer.write { db in
            let exists =
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM kb_binding WHERE signature = ? AND playbook = ?",
                    arguments: [signature, playbook])
                ?? false
            if !exists {
                guard create else { return nil }
                try db.execute(
                    sql: """
                        INSERT INTO kb_binding (signature, playbook, origin, created, updated)
                        VALUES (?, ?, 'learned', ?, ?)
                        """,
                    arguments: [signature, playbook, now, now])
            }
            try db.execute(
                sql: """
                    UPDATE kb_binding SET successes = successes + ?, failures = failures + ?, updated = ?
                    WHERE signature = ? AND playbook = ?
                    """,
                arguments: [healed ? 1 : 0, healed ? 0 : 1, now, signature, playbook])
            return try Self.bindings(of: signature, in: db).first { $0.playbook == playbook }.map { ($0, !exists) }
        }
    }

    /// The bindings of one signature, by playbook name.
    public func bindings(of signature: String) throws -> [BindingEvidence] {
        try writer.read { try Self.bindings(of: signature, in: $0) }
    }

    /// Drops a learned binding of `signature` to `playbook` (declared bindings stay; they come from the configuration).
    public func removeBinding(signature: String, playbook: String) throws {
        try writer.write { db in
            try db.execute(
                sql: "DELETE FROM kb_binding WHERE signature = ? AND playbook = ? AND origin = 'learned'",
                arguments: [signature, playbook])
        }
    }

    /// Every binding, by signature.
    public func allBindings() throws -> [String: [BindingEvidence]] {
        try writer.read { db in
            var out: [String: [BindingEvidence]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM kb_binding ORDER BY signature, playbook") {
                out[row["signature"], default: []].append(Self.binding(row))
            }
            return out
        }
    }

    /// Signatures, most seen first (declared ones included), at most `limit`.
    public func knownSignatures(limit: Int = 100) throws -> [KnownSignature] {
        try writer.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM kb_signature ORDER BY count DESC, last_seen DESC, id LIMIT ?",
                arguments: [max(0, limit)])
            return try rows.map { try Self.signature($0, in: db) }
        }
    }

    /// One signature by id, by a unique id prefix, or by a declared signature's name.
    public func knownSignature(_ key: String) throws -> KnownSignature? {
        try writer.read { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT * FROM kb_signature WHERE id = ? OR declared = ?", arguments: [key, key])
            {
                return try Self.signature(row, in: db)
            }
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM kb_signature WHERE id LIKE ? ESCAPE '\\' LIMIT 2",
                arguments: [
                    key.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
                ])
            guard rows.count == 1 else { return nil }
            return try Self.signature(rows[0], in: db)
        }
    }

    /// Forgets a learned signature: its sightings and bindings go; returns whether there was one. Declared
    /// signatures live in the configuration and are not forgotten here.
    @discardableResult
    public func forgetSignature(_ id: String) throws -> Bool {
        try writer.write { db in
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM kb_signature WHERE id = ? AND declared IS NULL", arguments: [id])
                    ?? false
            else { return false }
            try Self.deleteSignature(id, in: db)
            return true
        }
    }

    /// Saves `kernel`'s template miner (its encoded state), replacing the previous one, so that a restarted Grace
    /// recognises the same templates.
    public func saveMiner(kernel: String, state: Data) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO kb_miner (kernel, state, updated) VALUES (?, ?, ?)
                    ON CONFLICT(kernel) DO UPDATE SET state = excluded.state, updated = excluded.updated
                    """,
                arguments: [kernel, state, StoredTime.milliseconds(Date())])
        }
    }

    /// Every saved miner state, by kernel.
    public func miners() throws -> [String: Data] {
        try writer.read { db in
            var out: [String: Data] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kernel, state FROM kb_miner") {
                out[row["kernel"]] = row["state"]
            }
            return out
        }
    }

    // MARK: - Rows

    private static func deleteSignature(_ id: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM kb_sighting WHERE signature = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM kb_binding WHERE signature = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM kb_signature WHERE id = ?", arguments: [id])
    }

    private static func bindings(of signature: String, in db: Database) throws -> [BindingEvidence] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM kb_binding WHERE signature = ? ORDER BY playbook", arguments: [signature]
        )
        .map(binding)
    }

    private static func binding(_ row: Row) -> BindingEvidence {
        BindingEvidence(
            playbook: row["playbook"], successes: row["successes"], failures: row["failures"],
            declared: (row["origin"] as String?) == "declared")
    }

    private static func signature(_ row: Row, in db: Database) throws -> KnownSignature {
        let id: String = row["id"]
        var kernels: [String: Int] = [:]
        for k in try Row.fetchAll(db, sql: "SELECT kernel, count FROM kb_sighting WHERE signature = ?", arguments: [id])
        {
            kernels[k["kernel"]] = k["count"]
        }
        return KnownSignature(
            id: id, template: row["template"],
            severity: SignatureSighting.Severity(rawValue: row["severity"]) ?? .error, declared: row["declared"],
            example: row["example"], firstSeen: StoredTime.date(row["first_seen"]),
            lastSeen: StoredTime.date(row["last_seen"]), count: row["count"], kernels: kernels,
            bindings: try bindings(of: id, in: db))
    }
}
