import ArgumentParser
import Foundation
import Runtime

/// `grace journal`: read and verify the hash-chained event journal in `<state dir>/grace.sqlite`.
struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Show or verify the event journal.",
        discussion: """
            Grace journals every event (kernel started, exited, restart scheduled, ...) in SQLite before acting \
            on it. Each entry carries the SHA-256 of its contents and of the entry before it, so a changed or \
            deleted entry shows up in `grace journal verify`. These commands read the database directly: Grace \
            need not be running.

            Exit status: 0 success, 1 `verify` found the chain broken, 2 usage or I/O error (no journal in the \
            state directory).

            Examples:
              grace journal show --kernel api --limit 20
              grace journal show --kind kernel.exited --json
              grace journal verify
            """,
        subcommands: [Show.self, Verify.self],
        defaultSubcommand: Show.self)

    /// The journal file under the state directory; refuses to create one where none exists.
    static func openStore(_ option: StateDirectoryOption) throws -> StateStore {
        try openStore(directory: option.resolve())
    }

    static func openStore(directory: URL) throws -> StateStore {
        guard let store = try openStoreIfPresent(directory: directory) else {
            throw CLIError.io("no journal at \(storePath(directory)): Grace has not run with this state directory")
        }
        return store
    }

    /// The journal under `directory`; nil where Grace has not run (none is created).
    static func openStoreIfPresent(directory: URL) throws -> StateStore? {
        let path = storePath(directory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try StateStore(path: path)
    }

    private static func storePath(_ directory: URL) -> String {
        directory.appendingPathComponent("grace.sqlite").path
    }
}

extension JournalCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the journal's hash chain.",
            discussion: """
                Recomputes every entry's hash and checks the links between entries, that no entry is missing, and \
                that the journal reaches the head recorded in <state-dir>/journal.head after every commit (so \
                entries removed from the end show too). Prints the head: keep a copy elsewhere as evidence.

                Exit status: 0 intact, 1 broken (the first broken entry and why are printed), 2 usage or I/O error.
                """)

        @OptionGroup var state: StateDirectoryOption

        func run() throws {
            let store = try JournalCommand.openStore(state)
            switch try store.verify() {
            case .intact(let entries):
                print("journal intact: \(entries) entries")
            case .broken(let id, let reason):
                print("journal broken at entry \(id): \(reason)")
                throw ExitCode(1)
            }
            switch store.headAnchor() {
            case .head(let id, let hash):
                print("head anchor: entry \(id), hash \(hash)")
            case .missing:
                print("no head anchor (journal.head): entries removed from the end would not show")
            case .unreadable:
                print("head anchor (journal.head) unreadable: entries removed from the end would not show")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print journal entries, oldest first.",
            discussion: """
                Page through the journal with --after (the last id shown) and --limit.

                Exit status: 0 success, 2 usage or I/O error (no journal in the state directory).
                """)

        @Option(help: "Only entries about this kernel.")
        var kernel: String?

        @Option(name: .customLong("kind"), help: "Only entries of this kind (repeatable), e.g. kernel.exited.")
        var kinds: [String] = []

        @Option(help: ArgumentHelp("Only entries with an id above this one.", valueName: "id"))
        var after: Int64 = 0

        @Option(help: ArgumentHelp("At most this many entries.", valueName: "count"))
        var limit = 100

        @Flag(help: "Print a JSON array instead of a table.")
        var json = false

        @OptionGroup var state: StateDirectoryOption

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
            guard after >= 0 else { throw ValidationError("--after must not be negative") }
        }

        func run() throws {
            let entries = try JournalCommand.openStore(state).events(
                after: after, limit: limit, kernel: kernel, kinds: kinds.isEmpty ? nil : kinds)
            print(try json ? Self.json(entries) : Self.table(entries))
        }

        static func table(_ entries: [JournalEntry]) -> String {
            if entries.isEmpty { return "no entries" }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = .current
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
            let rows = entries.map { entry in
                [
                    String(entry.id), formatter.string(from: entry.time), entry.kind, entry.kernel ?? "-",
                    entry.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(quoted($0.value))" }
                        .joined(separator: " "),
                ]
            }
            return Table.render(header: ["ID", "TIME", "KIND", "KERNEL", "FIELDS"], rows: rows)
        }

        /// A value as is when it reads unambiguously in `k=v` form, else quoted with escapes.
        private static func quoted(_ value: String) -> String {
            let plain = !value.isEmpty && !value.contains { $0.isWhitespace || $0 == "\"" || $0 == "=" || $0 == "\\" }
            return plain ? value : String(reflecting: value)
        }

        /// Entries with the time both as ISO 8601 (UTC, milliseconds) and as milliseconds since 1970.
        private struct JSONEntry: Encodable {
            var id: Int64
            var time: String
            var timeMilliseconds: Int64
            var kind: String
            var kernel: String?
            var fields: [String: String]
            var previousHash: String
            var hash: String

            enum CodingKeys: String, CodingKey {
                case id, time, kind, kernel, fields, hash
                case timeMilliseconds = "time_ms"
                case previousHash = "previous_hash"
            }
        }

        static func json(_ entries: [JournalEntry]) throws -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
            let values = entries.map { entry in
                JSONEntry(
                    id: entry.id, time: formatter.string(from: entry.time),
                    timeMilliseconds: Int64((entry.time.timeIntervalSince1970 * 1000).rounded()), kind: entry.kind,
                    kernel: entry.kernel, fields: entry.fields, previousHash: entry.previousHash, hash: entry.hash)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(values), as: UTF8.self)
        }
    }
}
