import ConfigRepair
import Foundation
import GraceDSL
import Testing

/// The repair benchmark's corpus (bench/repair/make-corpus.py) run through the library rather than the
/// `grace agent fix` binary: set GRACE_REPAIR_CORPUS to the corpus directory. A case is fixed when the repaired
/// tree compiles to the original tree's graph (same content hash), wrong when it compiles to another graph.
@Suite("Repair benchmark corpus")
struct BenchCorpusTests {
    static let corpus = ProcessInfo.processInfo.environment["GRACE_REPAIR_CORPUS"]

    static func load(_ root: URL) throws -> (files: [SourceFile], options: CompilerOptions) {
        let dirs = ConfigurationLoader.includes(root: root).map { root.appendingPathComponent($0) }
        let files = try ConfigurationLoader.read(ConfigurationLoader.files(under: dirs), relativeTo: root)
        return (files, CompilerOptions(checkExecutables: false, root: root.path, requireGraceDocument: true))
    }

    @Test(
        "no repair of the benchmark corpus compiles to a graph other than the intended one", .enabled(if: corpus != nil)
    )
    func benchmark() throws {
        let corpus = URL(fileURLWithPath: try #require(Self.corpus))
        let original = try Self.load(corpus.appendingPathComponent("original"))
        let intended = try #require(Compiler(options: original.options).compile(original.files).graph?.contentHash)
        let cases = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter {
            $0.first?.isNumber == true
        }
        .sorted()
        var rows: [String] = []
        var wrong: [String] = []
        var tally: [String: Int] = [:]
        for name in cases {
            let tree = try Self.load(corpus.appendingPathComponent(name))
            let clock = ContinuousClock()
            let start = clock.now
            let outcome = RepairEngine(options: tree.options).repair(tree.files)
            let elapsed = clock.now - start
            let hash = Compiler(options: tree.options).compile(outcome.files).graph?.contentHash
            let verdict = !outcome.compiles ? "unfixed" : hash == intended ? "fixed" : "wrong"
            if verdict == "wrong" { wrong.append(name) }
            tally[verdict, default: 0] += 1
            let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
            rows.append(
                "\(name)\t\(verdict)\t\(Int(ms)) ms\t"
                    + outcome.changes.map(\.summary).joined(separator: " | ")
                    + (outcome.compiles ? "" : "\tleft: \(outcome.unfixed.map(\.code.rawValue))"))
        }
        print(rows.joined(separator: "\n"))
        print("bench corpus: \(tally) of \(cases.count)")
        #expect(wrong.isEmpty, "wrong fixes: \(wrong)")
    }
}
