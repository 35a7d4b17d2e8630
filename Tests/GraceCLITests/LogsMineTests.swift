import Foundation
import Testing

@Suite("grace logs mine", .timeLimit(.minutes(10)))
struct LogsMineTests {
    static let sample = """
        2024-05-01 10:00:00 ERROR db: connection to 10.0.0.7:5432 refused after 3 tries
        2024-05-01 10:00:01 INFO api: request GET /users/17 took 12 ms
        2024-05-01 10:00:02 ERROR db: connection to 10.0.0.9:5432 refused after 5 tries
        2024-05-01 10:00:03 INFO api: request POST /users took 30 ms
        not a formatted line, with a comma and "quotes"
        2024-05-01 10:00:04 INFO api: request GET /health took 1 ms

        """

    @Test("prints LineId,EventId,EventTemplate for every line, with the line's final template")
    func mine() async throws {
        let dir = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("app.log")
        try GraceBinary.write(Self.sample, to: file)
        let out = try await GraceBinary.run(
            [
                "logs", "mine", "--format", "<Date> <Time> <Level> <Component>: <Content>",
                "--mask", "(\\d+\\.){3}\\d+(:\\d+)?", "--stats", file.path,
            ])
        #expect(out.status == 0, "\(out.stderr)")
        let rows = out.stdout.split(separator: "\n").map(String.init)
        #expect(rows.first == "LineId,EventId,EventTemplate")
        #expect(rows.count == 7)
        let cells = rows.dropFirst().map { $0.split(separator: ",", maxSplits: 2).map(String.init) }
        #expect(cells.map { $0[0] } == ["1", "2", "3", "4", "5", "6"])
        #expect(cells[0][1] == cells[2][1])
        #expect(cells[0][2] == "connection to <*> refused after <*> tries")
        #expect(cells[1][1] == cells[5][1])
        #expect(cells[1][1] != cells[3][1])
        #expect(cells[0][1].count == 16)
        #expect(rows[5].hasSuffix(",\"not a formatted line, with a comma and \"\"quotes\"\"\""))
        #expect(out.stderr.contains("6 lines"))
        #expect(out.stderr.contains("lines/s"))
    }

    @Test("the same file gives the same ids in another run")
    func stableAcrossRuns() async throws {
        let dir = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("app.log")
        try GraceBinary.write(Self.sample, to: file)
        let first = try await GraceBinary.run(["logs", "mine", file.path])
        let second = try await GraceBinary.run(["logs", "mine", file.path])
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
    }

    @Test("a bad format, a bad mask or a missing file exit 2 with a clear message")
    func errors() async throws {
        let dir = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("app.log")
        try GraceBinary.write(Self.sample, to: file)
        let format = try await GraceBinary.run(["logs", "mine", "--format", "no fields", file.path])
        #expect(format.status == 2)
        #expect(format.stderr.contains("invalid log format"))
        let mask = try await GraceBinary.run(["logs", "mine", "--mask", "(unclosed", file.path])
        #expect(mask.status == 2)
        #expect(mask.stderr.contains("invalid mask `(unclosed`"))
        let missing = try await GraceBinary.run(["logs", "mine", dir.appendingPathComponent("nope.log").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read"))
    }
}
