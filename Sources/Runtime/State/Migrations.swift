import GRDB

/// The history of every table in the state database. Migrations are append-only: a released one is never
/// edited; a change of schema is a new migration with a new name.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-journal") { db in
            // `id` is assigned by the store (it is part of the hash), not by SQLite: 1, 2, 3, ...
            try db.create(table: "journal") { t in
                t.primaryKey("id", .integer)
                t.column("time", .integer).notNull()
                t.column("kind", .text).notNull()
                t.column("kernel", .text)
                t.column("fields", .text).notNull()
                t.column("previous_hash", .text).notNull()
                t.column("hash", .text).notNull()
            }
            try db.create(index: "journal_on_kernel", on: "journal", columns: ["kernel", "id"])
            // Append-only: refuse accidental changes. Someone who drops these triggers first is caught by
            // `StateStore.verify()` instead.
            try db.execute(
                sql: """
                    CREATE TRIGGER journal_refuses_update BEFORE UPDATE ON journal
                    BEGIN SELECT RAISE(ABORT, 'the journal is append-only: entries cannot be updated'); END;
                    CREATE TRIGGER journal_refuses_delete BEFORE DELETE ON journal
                    BEGIN SELECT RAISE(ABORT, 'the journal is append-only: entries cannot be deleted'); END;
                    """)
        }

        migrator.registerMigration("v1-kernels") { db in
            try db.create(table: "kernel") { t in
                t.primaryKey("name", .text)
                t.column("state", .text).notNull()
                t.column("pid", .integer)
                t.column("process_group", .integer)
                t.column("started_at", .integer)
                t.column("restarts", .integer).notNull().defaults(to: 0)
                t.column("last_exit", .text)
                t.column("spec_hash", .text)
            }
        }

        migrator.registerMigration("v1-restarts") { db in
            try db.create(table: "restart") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kernel", .text).notNull()
                t.column("time", .integer).notNull()
                t.column("reason", .text).notNull()
                t.column("delay_ms", .integer).notNull()
            }
            try db.create(index: "restart_on_kernel_time", on: "restart", columns: ["kernel", "time"])
        }

        migrator.registerMigration("v2-knowledge") { db in
            // Signatures: mined templates (id = the template's stable id) and declared signature documents
            // (id = `declared:NAME`).
            try db.create(table: "kb_signature") { t in
                t.primaryKey("id", .text)
                t.column("template", .text).notNull()
                t.column("severity", .text).notNull()
                t.column("declared", .text)
                t.column("example", .text)
                t.column("first_seen", .integer).notNull()
                t.column("last_seen", .integer).notNull()
                t.column("count", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "kb_sighting") { t in
                t.column("signature", .text).notNull()
                t.column("kernel", .text).notNull()
                t.column("count", .integer).notNull()
                t.column("first_seen", .integer).notNull()
                t.column("last_seen", .integer).notNull()
                t.primaryKey(["signature", "kernel"])
            }
            try db.create(table: "kb_binding") { t in
                t.column("signature", .text).notNull()
                t.column("playbook", .text).notNull()
                t.column("successes", .integer).notNull().defaults(to: 0)
                t.column("failures", .integer).notNull().defaults(to: 0)
                t.column("origin", .text).notNull()  // learned | declared
                t.column("created", .integer).notNull()
                t.column("updated", .integer).notNull()
                t.primaryKey(["signature", "playbook"])
            }
            // Each kernel's template miner, so templates and their ids survive a restart of Grace.
            try db.create(table: "kb_miner") { t in
                t.primaryKey("kernel", .text)
                t.column("state", .blob).notNull()
                t.column("updated", .integer).notNull()
            }
        }

        migrator.registerMigration("v3-history") { db in
            // What the trigger engine saw that the journal does not record (metric samples, heartbeats, log lines,
            // sightings), kept for `history.raw` so that `grace replay` can feed it to a trigger engine again.
            try db.create(table: "history") { t in
                t.column("time", .integer).notNull()
                t.column("kind", .text).notNull()
                t.column("kernel", .text)
                t.column("name", .text)
                t.column("text", .text).notNull()
            }
            try db.create(index: "history_on_time", on: "history", columns: ["time"])
            // Metric samples older than `history.raw`, one row per metric per `history.downsample` bucket, kept for
            // `history.retention`. `kernel` is '' for the host.
            try db.create(table: "history_rollup") { t in
                t.column("bucket", .integer).notNull()
                t.column("kernel", .text).notNull()
                t.column("metric", .text).notNull()
                t.column("count", .integer).notNull()
                t.column("min", .double).notNull()
                t.column("max", .double).notNull()
                t.column("sum", .double).notNull()
                t.column("last", .double).notNull()
                t.primaryKey(["bucket", "kernel", "metric"])
            }
            // Replay and explain read the journal by time.
            try db.create(index: "journal_on_time", on: "journal", columns: ["time"])
        }

        return migrator
    }
}
