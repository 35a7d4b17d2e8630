import Foundation

@testable import GraceDSL

/// Locates the repository's fixture corpus and the shipped configuration from this file's path, so tests
/// run from any working directory.
enum Fixtures {
    static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let invalidDirectory = repository.appendingPathComponent("Tests/Fixtures/invalid")
    static let validDirectory = repository.appendingPathComponent("Tests/Fixtures/valid")
    /// Every input that once crashed the fuzz target (Fuzz/README.md); none has yet, so it may not exist.
    static let fuzzDirectory = repository.appendingPathComponent("Tests/Fixtures/fuzz-regressions")
    /// The compiler fuzz target's seed corpus (the log miner's is in Fuzz/corpus/log-miner/).
    static let fuzzSeedDirectory = repository.appendingPathComponent("Fuzz/corpus/compiler")

    static func yamlFiles(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    }

    static var invalid: [String] { yamlFiles(in: invalidDirectory) }
    /// The shipped configuration's files, relative to the repository (`config/grace.yaml`, ...).
    static var shippedPaths: [String] {
        ["config", "Playbooks"].flatMap { dir in
            yamlFiles(in: repository.appendingPathComponent(dir)).map { "\(dir)/\($0)" }
        }
    }
    /// Multi-file fixtures: folders under `invalid/`, compiled together (see Tests/Fixtures/invalid/README.md).
    static var invalidSets: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: invalidDirectory.path)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            let path = invalidDirectory.appendingPathComponent(name).path
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
    }

    /// The YAML files of a multi-file fixture, with paths relative to its folder (`config/triggers.yaml`).
    static func readSet(_ name: String) -> [SourceFile] {
        let folder = invalidDirectory.appendingPathComponent(name)
        let paths = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        return paths.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map {
            SourceFile(path: $0, text: read(folder.appendingPathComponent($0)))
        }
    }
    static var valid: [String] { yamlFiles(in: validDirectory) }
    /// What the fuzzer starts from and what once crashed it, as paths from the repository's root.
    static var fuzzInputs: [String] {
        yamlFiles(in: fuzzSeedDirectory).map { "Fuzz/corpus/compiler/\($0)" }
            + yamlFiles(in: fuzzDirectory).map { "Tests/Fixtures/fuzz-regressions/\($0)" }
    }

    static func read(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    /// The golden expectation on a fixture's first line: `# expect: G106 7:3`, `# expect: G002` or `# expect: clean`.
    struct Expectation: Sendable, Equatable {
        var code: String?
        var line: Int?
        var column: Int?
    }

    static func expectation(of text: String) -> Expectation? {
        guard let first = text.split(separator: "\n", maxSplits: 1).first, first.hasPrefix("# expect: ") else {
            return nil
        }
        let words = first.dropFirst("# expect: ".count).split(separator: " ")
        guard let head = words.first else { return nil }
        if head == "clean" { return Expectation() }
        var e = Expectation(code: String(head))
        if words.count > 1 {
            let parts = words[1].split(separator: ":")
            e.line = parts.first.flatMap { Int($0) }
            e.column = parts.count > 1 ? Int(parts[1]) : nil
        }
        return e
    }

    /// Compiles one file as `grace validate FILE` would, with executables checked against this machine.
    static func compile(_ text: String, path: String = "fixture.yaml", checkExecutables: Bool = true)
        -> CompilationResult
    {
        Compiler(options: CompilerOptions(checkExecutables: checkExecutables, root: repository.path))
            .compile([SourceFile(path: path, text: text)])
    }

    /// The directory holding the test binary, where `swift build` also puts `grace` and `grace-demo`.
    static var productsDirectory: URL {
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
            // Inside an .xctest bundle directory on some layouts.
            while url.pathExtension == "xctest" || url.lastPathComponent == "Contents"
                || url.lastPathComponent == "MacOS"
            {
                url = url.deletingLastPathComponent()
            }
            return url
        }
        return repository.appendingPathComponent(".build/debug")
    }
}
