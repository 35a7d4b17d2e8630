import Foundation
import Testing

/// `grace COMMAND --help` for every command the binary has, hidden ones included, compared with the text checked in
/// under HelpSnapshots/. After changing help text on purpose, write the snapshots anew and review their diff:
///
///     GRACE_UPDATE_HELP_SNAPSHOTS=1 swift test --filter HelpSnapshotTests
@Suite("help snapshots", .timeLimit(.minutes(10)))
struct HelpSnapshotTests {
    static let directory = GraceBinary.repository.appendingPathComponent("Tests/GraceCLITests/HelpSnapshots")

    static var updating: Bool { ProcessInfo.processInfo.environment["GRACE_UPDATE_HELP_SNAPSHOTS"] == "1" }

    /// argument-parser wraps help to the terminal's width (COLUMNS, else the terminal, else 80): a fixed width
    /// keeps the snapshots the same on every machine.
    static let environment = ["COLUMNS": "80", "LINES": "25"]

    /// One command, e.g. `kernel restart`; the root command has no words.
    struct Command: Sendable, CustomTestStringConvertible {
        var words: [String]
        var hidden: Bool

        /// `grace.txt` for the root, `grace-kernel-restart.txt` for `grace kernel restart`.
        var fileName: String { (["grace"] + words).joined(separator: "-") + ".txt" }

        var testDescription: String { (["grace"] + words).joined(separator: " ") }
    }

    /// Every command of the binary, from argument-parser's dump of the command tree, so that a new command without a
    /// snapshot fails. `help` is the library's own command and is left out.
    static func commands() async throws -> [Command] {
        let dump = try await GraceBinary.run(["--experimental-dump-help"], environment: environment)
        let object = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any]
        guard let root = object?["command"] as? [String: Any] else {
            throw DumpError(output: dump.stdout + dump.stderr)
        }
        var commands: [Command] = []
        func walk(_ command: [String: Any], words: [String], hidden: Bool) {
            commands.append(Command(words: words, hidden: hidden))
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                guard let name = sub["commandName"] as? String, !(words.isEmpty && name == "help") else { continue }
                walk(sub, words: words + [name], hidden: hidden || sub["shouldDisplay"] as? Bool == false)
            }
        }
        walk(root, words: [], hidden: false)
        return commands
    }

    struct DumpError: Error, CustomStringConvertible {
        var output: String
        var description: String { "grace --experimental-dump-help gave no command tree: \(output.prefix(500))" }
    }

    @Test("every command's --help matches its snapshot", arguments: try await commands())
    func help(_ command: Command) async throws {
        let out = try await GraceBinary.run(command.words + ["--help"], environment: Self.environment)
        #expect(out.status == 0, "\(out.stderr)")
        let file = Self.directory.appendingPathComponent(command.fileName)
        if Self.updating {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try out.stdout.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let update = "GRACE_UPDATE_HELP_SNAPSHOTS=1 swift test --filter HelpSnapshotTests"
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record(
                "no snapshot \(command.fileName) of `\(command.testDescription) --help`; write it with \(update)")
            return
        }
        if let difference = Self.firstDifference(expected: expected, actual: out.stdout) {
            Issue.record(
                """
                `\(command.testDescription) --help` differs from \(command.fileName) at line \(difference.line):
                expected: \(difference.expected)
                  actual: \(difference.actual)
                If the change is intended, write the snapshots anew with \(update) and review their diff.
                """)
        }
    }

    @Test("no snapshot is left for a command the binary no longer has")
    func noStaleSnapshots() async throws {
        let expected = Set(try await Self.commands().map(\.fileName))
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
        for file in files where !expected.contains(file) {
            if Self.updating {
                try FileManager.default.removeItem(at: Self.directory.appendingPathComponent(file))
            } else {
                Issue.record("HelpSnapshots/\(file) belongs to no command of grace; remove it")
            }
        }
    }

    @Test("the root help lists every visible top-level command and no hidden one")
    func rootHelpListsVisibleCommands() async throws {
        let commands = try await Self.commands().filter { $0.words.count == 1 }
        let help = try await GraceBinary.run(["--help"], environment: Self.environment)
        let listed = Self.subcommands(inHelp: help.stdout)
        #expect(Set(listed) == Set(commands.filter { !$0.hidden }.map { $0.words[0] }))
        #expect(listed.count == Set(listed).count, "a command is listed twice: \(listed)")
        // The earlier spellings stay hidden, and working.
        let hidden = commands.filter(\.hidden).map { $0.words[0] }
        #expect(hidden.contains("restart"))
        #expect(listed.allSatisfy { !hidden.contains($0) })
    }

    /// The command names in the SUBCOMMANDS sections of a help text (`  name   abstract`, with `, alias` or
    /// ` (default)` after the name at times).
    static func subcommands(inHelp text: String) -> [String] {
        var names: [String] = []
        var inSection = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasSuffix("SUBCOMMANDS:") {
                inSection = true
            } else if line.isEmpty {
                inSection = false
            } else if inSection, line.hasPrefix("  "), !line.hasPrefix("   ") {
                let name = line.dropFirst(2).prefix { $0 != " " && $0 != "," }
                names.append(String(name))
            }
        }
        return names
    }

    static func firstDifference(expected: String, actual: String) -> (line: Int, expected: String, actual: String)? {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(a.count, b.count) {
            let left = i < a.count ? String(a[i]) : "<end>"
            let right = i < b.count ? String(b[i]) : "<end>"
            if left != right { return (i + 1, left, right) }
        }
        return nil
    }
}
