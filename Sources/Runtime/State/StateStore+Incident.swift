import Foundation
import GRDB

/// The reads `IncidentExplainer` needs: one entry, entries before one (newest first), and the entries that name a
/// run. The journal has no index on runs: `entries(namingRun:)` scans the table with a text match on the stored
/// fields, which `IncidentExplainer` then checks against the decoded entries.
extension StateStore {
    /// The entry with id `id`; nil when there is none.
    public func entry(id: Int64) throws -> JournalEntry? {
        try writer.read { try JournalRow.fetchOne($0, key: id) }?.entry()
    }

    /// Up to `limit` entries with an id below `id` (about `kernel`, when given), newest first.
    public func entries(before id: Int64, limit: Int, kernel: String? = nil) throws -> [JournalEntry] {
        var request = JournalRow.filter(JournalRow.Columns.id < id)
        if let kernel { request = request.filter(JournalRow.Columns.kernel == kernel) }
        request = request.order(JournalRow.Columns.id.desc).limit(max(0, limit))
        return try writer.read { try request.fetchAll($0) }.map { try $0.entry() }
    }

    /// Up to `limit` entries of `kinds` about `kernel`, newest first.
    public func lastEntries(kinds: [String], kernel: String, limit: Int) throws -> [JournalEntry] {
        let request = JournalRow.filter(JournalRow.Columns.kernel == kernel && kinds.contains(JournalRow.Columns.kind))
            .order(JournalRow.Columns.id.desc).limit(max(0, limit))
        return try writer.read { try request.fetchAll($0) }.map { try $0.entry() }
    }

    /// The newest entry of `kind` about `kernel`; nil when there is none.
    public func lastEntry(kind: String, kernel: String) throws -> JournalEntry? {
        try lastEntries(kinds: [kind], kernel: kernel, limit: 1).first
    }

    /// Entries whose stored fields name `run` as their `run` or `parent` (oldest first, at most `limit`): the run's
    /// own entries, its firing, its knowledge-base entries and the starts of the runs it called or escalated to.
    /// A superset: the match is on the stored text, so callers check the decoded entries.
    public func entries(namingRun run: String, limit: Int = 5000) throws -> [JournalEntry] {
        let quoted = Self.likeEscaped(Self.jsonQuoted(run))
        let sql = """
            SELECT * FROM journal WHERE fields LIKE ? ESCAPE '\\' OR fields LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?
            """
        let arguments: StatementArguments = ["%\"run\":\(quoted)%", "%\"parent\":\(quoted)%", max(0, limit)]
        return try writer.read { try JournalRow.fetchAll($0, sql: sql, arguments: arguments) }.map { try $0.entry() }
    }

    /// The newest run started by hand whose stored fields give `kernel` as its `kernel` argument.
    public func lastManualRun(kernel: String) throws -> JournalEntry? {
        let pattern = "%\"arg.kernel\":\(Self.likeEscaped(Self.jsonQuoted(kernel)))%"
        let sql = """
            SELECT * FROM journal WHERE kind = 'run.started' AND fields LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT 1
            """
        return try writer.read { try JournalRow.fetchOne($0, sql: sql, arguments: [pattern]) }?.entry()
    }

    /// `text` as a JSON string literal, as `JournalRow.encodeFields` writes it.
    private static func jsonQuoted(_ text: String) -> String {
        let fields = JournalRow.encodeFields(["k": text])
        // `{"k":"..."}` -> `"..."`
        return String(fields.dropFirst(5).dropLast())
    }

    private static func likeEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
