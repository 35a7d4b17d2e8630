import ConfigRepair
import Foundation
import GraceDSL

/// The invalid fixture corpus and helpers for repairing small inline configurations.
enum RepairFixtures {
    static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let invalidDirectory = repository.appendingPathComponent("Tests/Fixtures/invalid")

    /// As the fixture corpus compiles: executables checked, relative to the repository.
    static let options = CompilerOptions(root: repository.path)

    /// Every invalid fixture: `NNN-name.yaml` files and multi-file folders.
    static var invalid: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: invalidDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || !$0.contains(".") }.sorted()
    }

    /// The files of fixture `name` (one file, or a folder's files with paths relative to it).
    static func files(_ name: String) -> [SourceFile] {
        let url = invalidDirectory.appendingPathComponent(name)
        if name.hasSuffix(".yaml") { return [SourceFile(path: name, text: read(url))] }
        let paths = FileManager.default.enumerator(atPath: url.path)?.compactMap { $0 as? String } ?? []
        return paths.filter { $0.hasSuffix(".yaml") }.sorted().map {
            SourceFile(path: $0, text: read(url.appendingPathComponent($0)))
        }
    }

    static func read(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    /// Repairs one inline file `test.yaml` (executables not checked).
    static func repair(_ text: String) -> RepairOutcome {
        RepairEngine().repair([SourceFile(path: "test.yaml", text: text)])
    }
}

extension RepairOutcome {
    /// The text of the only file.
    var text: String { files.first?.text ?? "" }
}
