import ConfigRepair
import GraceDSL
import Testing

@Suite("Config changes")
struct ConfigChangeTests {
    @Test func namesTheFilesItEdits() {
        let change = ConfigChange(
            edits: [
                TextEdit(file: "a.yaml", range: 0..<1, replacement: "x"),
                TextEdit(file: "b.yaml", range: 0..<0, replacement: "y"),
            ], summary: "two files", origin: .repair)
        #expect(change.files == ["a.yaml", "b.yaml"])
    }
}
