import Foundation
import GRDB

/// The coding agent's durable queue: `<state_dir>/agent.sqlite`, shared by Grace (which queues tasks from
/// playbook steps and people, and journals their changes) and the agent process (which works them). SQLite in WAL
/// mode serializes writers across the two processes; every state change is one transaction that updates the task
/// and appends to its history, so a crash of either process leaves each task at its last recorded state.
///
/// A separate database from the journal's: the agent process never writes Grace's hash-chained journal (one
/// writer keeps the chain and its anchor simple); Grace copies the history into it (`AgentTaskJournaler`).
public final class AgentTaskStore: Sendable {
    /// The database file.
    public let path: String
    private let writer: any DatabaseWriter

    /// Why the store refused an operation.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// No task has this id.
        case noSuchTask(Int64)
        /// The task is not in a state the operation applies to.
        case wrongState(Int64, AgentTaskState, expected: [AgentTaskState])
        /// The database could not be opened or used.
        case database(String)

        /// A line for the user.
        public var description: String {
            switch self {
            case .noSuchTask(let id): "no agent task \(id)"
            case .wrongState(let id, let state, let expected):
                "task \(id) is \(state.rawValue), not \(expected.map(\.rawValue).joined(separator: " or "))"
            case .database(let why): "agent queue: \(why)"
            }
        }
    }

    /// Opens (creating it and its directory if needed) the queue at `path`.
    public init(path: String) throws(Failure) {
        self.path = path
        do {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.label = "grace.agent"
            // The other process may hold the write lock for a moment.
            configuration.busyMode = .timeout(5)
            writer = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(writer)
        } catch {
            throw .database(String(describing: error))
        }
    }

    /// The queue of a state directory.
    public convenience init(stateDirectory: URL) throws(Failure) {
        try self.init(path: stateDirectory.appendingPathComponent("agent.sqlite").path)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-agent") { db in
            try db.create(table: "task") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("type", .text).notNull()
                t.column("state", .text).notNull()
                t.column("inputs", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("created", .integer).notNull()
                t.column("updated", .integer).notNull()
                t.column("detail", .text).notNull().defaults(to: "")
                t.column("commit_id", .text)
                t.column("branch", .text)
                t.column("watch_until", .integer)
                t.column("summary", .text)
                t.column("watch_mark", .text)
                t.column("files", .text)
                t.column("run", .text)
                t.column("step", .text)
            }
            try db.create(index: "task_on_state", on: "task", columns: ["state", "id"])
            try db.create(index: "task_on_run_step", on: "task", columns: ["run", "step"])
            try db.create(table: "task_event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("task", .integer).notNull()
                t.column("time", .integer).notNull()
                t.column("state", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("commit_id", .text)
            }
            try db.create(table: "pattern") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("cause", .text).notNull()
                t.column("body", .text).notNull()
                t.column("task", .integer).notNull()
                t.column("created", .integer).notNull()
                t.column("uses", .integer).notNull().defaults(to: 0)
            }
            try db.create(index: "pattern_on_cause", on: "pattern", columns: ["cause"])
            try db.create(table: "setting") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        return migrator
    }

    // MARK: - Tasks

    /// Queues a task, or, when the same run's step already asked and that task is not finished (a retried or
    /// resumed step), returns that one: a step asks once, however often it is performed.
    @discardableResult
    public func enqueue(type: String, inputs: AgentTaskInputs, at time: Date = Date()) throws(Failure) -> AgentTask {
        let encoded = Self.encode(inputs)
        let now = Self.milliseconds(time)
        return try write { db in
            if let run = inputs.run, let step = inputs.step,
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT * FROM task WHERE run = ? AND step = ? AND state NOT IN ('done', 'reverted', 'failed')
                        ORDER BY id DESC LIMIT 1
                        """, arguments: [run, step])
            {
                return Self.task(row)
            }
            try db.execute(
                sql: """
                    INSERT INTO task (type, state, inputs, created, updated, detail, run, step)
                    VALUES (?, 'queued', ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [type, encoded, now, now, inputs.goal ?? "", inputs.run, inputs.step])
            let id = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO task_event (task, time, state, detail) VALUES (?, ?, 'queued', ?)",
                arguments: [id, now, "queued by \(inputs.source)" + (inputs.goal.map { ": \($0)" } ?? "")])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM task WHERE id = ?", arguments: [id]) else {
                throw Failure.noSuchTask(id)
            }
            return Self.task(row)
        }
    }

    /// The task with this id.
    public func task(_ id: Int64) throws(Failure) -> AgentTask? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM task WHERE id = ?", arguments: [id]).map(Self.task)
        }
    }

    /// The newest tasks first, at most `limit`, only in `states` when given.
    public func tasks(limit: Int = 100, states: Set<AgentTaskState>? = nil) throws(Failure) -> [AgentTask] {
        try read { db in
            if let states {
                let list = states.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",")
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM task WHERE state IN (\(list)) ORDER BY id DESC LIMIT ?",
                    arguments: [limit]
                ).map(Self.task)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM task ORDER BY id DESC LIMIT ?", arguments: [limit])
                .map(Self.task)
        }
    }

    /// The oldest task the agent should work on now: one it was in the middle of (a crash left it planning,
    /// verifying, committed or watching), else the oldest queued one.
    public func next() throws(Failure) -> AgentTask? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM task WHERE state IN ('planning', 'verifying', 'committed', 'watching', 'queued')
                    ORDER BY CASE state WHEN 'queued' THEN 1 ELSE 0 END, id LIMIT 1
                    """
            ).map(Self.task)
        }
    }

    /// Moves a task from one of `from` to `to`, recording `detail` (and the other values given: nil keeps the
    /// task's) and an event, in one transaction. Throws `wrongState` when the task was not in `from` (someone else moved it).
    @discardableResult
    public func transition(
        _ id: Int64, from: [AgentTaskState], to state: AgentTaskState, detail: String, commit: String? = nil,
        branch: String? = nil, watchUntil: Date? = nil, summary: String? = nil, watchMark: String? = nil,
        files: [String]? = nil, countAttempt: Bool = false, at time: Date = Date()
    ) throws(Failure) -> AgentTask {
        let now = Self.milliseconds(time)
        return try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM task WHERE id = ?", arguments: [id]) else {
                throw Failure.noSuchTask(id)
            }
            let current = Self.task(row)
            guard from.contains(current.state) else {
                throw Failure.wrongState(id, current.state, expected: from)
            }
            let newCommit = commit ?? current.commit
            try db.execute(
                sql: """
                    UPDATE task SET state = ?, detail = ?, updated = ?, commit_id = ?, branch = ?, watch_until = ?,
                        summary = ?, watch_mark = ?, files = ?, attempts = attempts + ? WHERE id = ?
                    """,
                arguments: [
                    state.rawValue, detail, now, newCommit, branch ?? current.branch,
                    (watchUntil ?? current.watchUntil).map(Self.milliseconds), summary ?? current.summary,
                    watchMark ?? current.watchMark, (files ?? current.files).joined(separator: "\n"),
                    countAttempt ? 1 : 0, id,
                ])
            try db.execute(
                sql: "INSERT INTO task_event (task, time, state, detail, commit_id) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, now, state.rawValue, detail, newCommit])
            guard let updated = try Row.fetchOne(db, sql: "SELECT * FROM task WHERE id = ?", arguments: [id]) else {
                throw Failure.noSuchTask(id)
            }
            return Self.task(updated)
        }
    }

    /// State changes after event `id`, oldest first, at most `limit`.
    public func events(after id: Int64, limit: Int = 500) throws(Failure) -> [AgentTaskEvent] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM task_event WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, limit]
            ).map(Self.event)
        }
    }

    /// A task's history, oldest first.
    public func history(of task: Int64) throws(Failure) -> [AgentTaskEvent] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM task_event WHERE task = ? ORDER BY id", arguments: [task])
                .map(Self.event)
        }
    }

    /// How many commits the agent made since `time` (for `max_commits_per_hour`).
    public func commits(since time: Date) throws(Failure) -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM task_event WHERE state = 'committed' AND time >= ?",
                arguments: [Self.milliseconds(time)]) ?? 0
        }
    }

    // MARK: - Settings and patterns

    /// Whether the agent is paused (`grace agent pause`): it finishes nothing new until resumed.
    public func isPaused() throws(Failure) -> Bool { try setting("paused") == "true" }

    /// Pauses or resumes the agent.
    public func setPaused(_ paused: Bool) throws(Failure) { try setSetting("paused", String(paused)) }

    /// Whether a drill asked the agent's process to wedge its work loop (`grace components hang agent`).
    public func isHangRequested() throws(Failure) -> Bool { try setting("hang") == "true" }

    /// Asks the agent's process to wedge its work loop (true), or withdraws the request (false; a new process does
    /// at its start).
    public func setHangRequested(_ hang: Bool) throws(Failure) { try setSetting("hang", String(hang)) }

    /// Records that the agent's process was alive at `time` (wall-clock: Grace reads it from another process).
    public func recordHeartbeat(at time: Date = Date()) throws(Failure) {
        try setSetting("heartbeat", String(Self.milliseconds(time)))
    }

    /// When the agent's process last recorded a heartbeat; nil when it never did.
    public func lastHeartbeat() throws(Failure) -> Date? {
        try setting("heartbeat").flatMap { Int64($0) }.map(Self.date)
    }

    /// The value of one row of the `setting` table; nil when it was never set.
    private func setting(_ key: String) throws(Failure) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    /// Sets one row of the `setting` table.
    private func setSetting(_ key: String, _ value: String) throws(Failure) {
        try write { db in
            try db.execute(
                sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?",
                arguments: [key, value, value])
        }
    }

    /// Saves a learned edit pattern: `body` (the agent's encoding) fixes `cause` (a signature or diagnostic key).
    public func savePattern(cause: String, body: String, task: Int64, at time: Date = Date()) throws(Failure) {
        try write { db in
            let exists =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM pattern WHERE cause = ? AND body = ?", arguments: [cause, body]) ?? 0
            guard exists == 0 else { return }
            try db.execute(
                sql: "INSERT INTO pattern (cause, body, task, created) VALUES (?, ?, ?, ?)",
                arguments: [cause, body, task, Self.milliseconds(time)])
        }
    }

    /// The learned patterns for `cause`, most used first.
    public func patterns(for cause: String) throws(Failure) -> [(id: Int64, body: String)] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, body FROM pattern WHERE cause = ? ORDER BY uses DESC, id", arguments: [cause]
            ).map { (id: $0["id"], body: $0["body"]) }
        }
    }

    /// How many edit patterns the agent has learned.
    public func patternCount() throws(Failure) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM pattern") ?? 0 }
    }

    /// Counts one use of a pattern.
    public func usedPattern(_ id: Int64) throws(Failure) {
        try write { db in try db.execute(sql: "UPDATE pattern SET uses = uses + 1 WHERE id = ?", arguments: [id]) }
    }

    // MARK: - Plumbing

    private func read<T>(_ body: (Database) throws -> T) throws(Failure) -> T {
        do { return try writer.read(body) } catch let failure as Failure { throw failure } catch {
            throw .database(String(describing: error))
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(Failure) -> T {
        do { return try writer.write(body) } catch let failure as Failure { throw failure } catch {
            throw .database(String(describing: error))
        }
    }

    private static func task(_ row: Row) -> AgentTask {
        let inputsText: String = row["inputs"]
        let inputs =
            (try? JSONDecoder().decode(AgentTaskInputs.self, from: Data(inputsText.utf8))) ?? AgentTaskInputs()
        let watch: Int64? = row["watch_until"]
        return AgentTask(
            id: row["id"], type: row["type"], state: AgentTaskState(rawValue: row["state"]) ?? .failed,
            inputs: inputs, attempts: row["attempts"], created: date(row["created"]), updated: date(row["updated"]),
            detail: row["detail"], commit: row["commit_id"], branch: row["branch"], watchUntil: watch.map(date),
            summary: row["summary"], watchMark: row["watch_mark"],
            files: (row["files"] as String?).map { $0.split(separator: "\n").map(String.init) } ?? [])
    }

    private static func event(_ row: Row) -> AgentTaskEvent {
        AgentTaskEvent(
            id: row["id"], task: row["task"], time: date(row["time"]),
            state: AgentTaskState(rawValue: row["state"]) ?? .failed, detail: row["detail"], commit: row["commit_id"])
    }

    private static func encode(_ inputs: AgentTaskInputs) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(inputs)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
