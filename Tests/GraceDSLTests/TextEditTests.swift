import GraceDSL
import Testing

@Suite("Text edits")
struct TextEditTests {
    let file = SourceFile(path: "a.yaml", text: "kind: kernel # é\nname: api\n")

    @Test func replacesOnlyItsRange() throws {
        let offset = Array(file.text.utf8).count - 4  // "api\n"
        let edited = try file.applying([TextEdit(file: "a.yaml", range: offset..<(offset + 3), replacement: "web")])
        #expect(edited.text == "kind: kernel # é\nname: web\n")
    }

    @Test func appliesSeveralInAnyOrder() throws {
        let edits = [
            TextEdit(file: "a.yaml", range: 0..<4, replacement: "KIND"),
            TextEdit(file: "a.yaml", range: 6..<6, replacement: "x"),
        ]
        #expect(try file.applying(edits.reversed()).text.hasPrefix("KIND: xkernel"))
    }

    @Test func refusesOverlapsAndSplitCharacters() {
        #expect(throws: TextEditError.self) {
            try file.applying([
                TextEdit(file: "a.yaml", range: 0..<4, replacement: ""),
                TextEdit(file: "a.yaml", range: 2..<6, replacement: ""),
            ])
        }
        let e = Array("kind: kernel # ".utf8).count + 1  // inside "é"
        #expect(throws: TextEditError.self) {
            try file.applying([TextEdit(file: "a.yaml", range: e..<e, replacement: "!")])
        }
        #expect(throws: TextEditError.self) {
            try [file].applying([TextEdit(file: "b.yaml", range: 0..<0, replacement: "")])
        }
    }
}
