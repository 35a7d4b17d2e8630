import Foundation
import Testing

@testable import LogMining

/// The log miner's fuzz target, replayed without libFuzzer: its seeds (Fuzz/corpus/log-miner/) and every input
/// that once broke it (Tests/Fixtures/fuzz-regressions/log-miner/, see Fuzz/README.md) go through the same
/// invariants, so that a fixed bug stays fixed in the ordinary test run.
@Suite("LogMining fuzz regressions")
struct FuzzRegressionTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let folders = ["Fuzz/corpus/log-miner", "Tests/Fixtures/fuzz-regressions/log-miner"]

    /// Every file of the two folders (libFuzzer's names, crash-HASH, included), as paths from the repository.
    static var inputs: [String] {
        folders.flatMap { folder in
            let names =
                (try? FileManager.default.contentsOfDirectory(
                    atPath: repository.appendingPathComponent(folder).path)) ?? []
            return names.filter { $0 != "README.md" && !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
        }
    }

    @Test("what the log miner's fuzzer starts from or once failed on is mined keeping every promise", arguments: inputs)
    func replay(_ path: String) throws {
        let data = try Data(contentsOf: Self.repository.appendingPathComponent(path))
        do {
            try MinerInvariants.check(data)
        } catch {
            Issue.record("\(path): \(error)")
        }
    }

    @Test("the coverage check the replay relies on rejects a template that does not fit its line")
    func coversCanFail() {
        #expect(MinerInvariants.covers("connected to <*>", "connected to db1"))
        #expect(MinerInvariants.covers("user=<*> ok", "user=grace ok"))
        #expect(!MinerInvariants.covers("connected to <*>", "connected to db1 now"))
        #expect(!MinerInvariants.covers("connected from <*>", "connected to db1"))
        #expect(!MinerInvariants.covers("user=<*> ok", "user= ok"))
        // A `<*>` of the miner's multi-token values covers a run of values, never a word.
        #expect(MinerInvariants.covers("from <*> ok", "from 10.0.0.1 (10.0.0.2) ok", joiningRuns: true))
        #expect(!MinerInvariants.covers("from <*> ok", "from 10.0.0.1 (10.0.0.2) ok"))
        #expect(!MinerInvariants.covers("connected to <*>", "connected to db1 now", joiningRuns: true))
        #expect(!MinerInvariants.covers("connected to <*>", "connected to 10.0.0.1 now", joiningRuns: true))
        // Optional values: a `<*>` may also stand for nothing.
        #expect(MinerInvariants.covers("sent <*> bytes <*> ok", "sent 3 bytes ok", optional: true))
        #expect(!MinerInvariants.covers("sent <*> bytes <*> ok", "sent 3 bytes ok"))
        #expect(!MinerInvariants.covers("sent <*> bytes ok", "sent 3 bytes now ok", optional: true))
    }

    @Test("the log miner's fuzz inputs are found")
    func inputsFound() {
        // An empty argument list would make the test above pass without running anything.
        #expect(Self.inputs.count >= 6, "Fuzz/corpus/log-miner/ holds the seeds")
    }
}
