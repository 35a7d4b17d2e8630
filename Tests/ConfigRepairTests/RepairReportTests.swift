import ConfigRepair
import Foundation
import GraceDSL
import Testing

@Suite("Repair report")
struct RepairReportTests {
    @Test("each change is placed at the diagnostic it fixed, with its code, and the commit message has trailers")
    func report() throws {
        let outcome = RepairFixtures.repair(
            "kind: kernel\nname: api\ncommand: [/bin/true]\ntiers: critical\nlimits: {memory: 256MiBs}\n")
        let report = RepairReport(outcome)
        #expect(report.fixed)
        #expect(report.files == ["test.yaml"])
        #expect(
            report.lines.first?.hasPrefix("test.yaml:4:1: fixed G106: replace `tiers` with `tier` (G106") == true)
        #expect(report.changes.map(\.code) == ["G106", "G111"])
        #expect(report.changes.map(\.origin) == ["fix-it", "repair"])
        #expect(report.commitMessage.contains("\n\nGrace-Fix: G106\nGrace-Fix: G111\n"))
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        for key in ["\"fixed\":true", "\"changes\"", "\"remaining\"", "\"line\":4", "\"column\":1"] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
    }

    @Test("what cannot be fixed is reported as remaining, and the tree as not fixed")
    func remaining() {
        let report = RepairReport(
            RepairFixtures.repair("kind: kernel\nname: api\ncommand: [/bin/true]\ntier: urgent\n"))
        #expect(!report.fixed)
        #expect(report.changes.isEmpty)
        #expect(report.remaining.map(\.code) == ["G109"])
        #expect(report.files.isEmpty)
    }
}
