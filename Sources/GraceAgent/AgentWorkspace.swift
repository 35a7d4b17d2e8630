import ConfigRepair
import Foundation
import GraceDSL

/// The configuration tree the agent works on: its root, the files under its `include:` directories as they
/// are on disk now (paths relative to the root, as diagnostics and git show them) and how to compile them.
public struct AgentWorkspace: Sendable {
    /// The configuration root (where config/grace.yaml is).
    public var root: String
    /// Directories searched for commands' executables before PATH (where `grace` lives).
    public var toolDirectories: [String]

    /// A workspace at `root`.
    public init(root: String, toolDirectories: [String] = []) {
        self.root = root
        self.toolDirectories = toolDirectories
    }

    /// The `include:` directories of the grace document (default config/ and Playbooks/).
    public var includes: [String] { ConfigurationLoader.includes(root: URL(fileURLWithPath: root)) }

    /// How the tree is compiled: as `grace validate` does at the root.
    public var options: CompilerOptions {
        CompilerOptions(
            checkExecutables: true, root: root, requireGraceDocument: true, toolDirectories: toolDirectories)
    }

    /// Every configuration file, read now.
    public func read() throws -> [SourceFile] {
        let base = URL(fileURLWithPath: root)
        let urls = includes.map { base.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        return try ConfigurationLoader.read(ConfigurationLoader.files(under: urls), relativeTo: base)
    }

    /// Writes `files` (paths relative to the root) over what is on disk, each atomically (a reader sees the old
    /// or the new file, never half of one).
    public func write(_ files: [SourceFile]) throws {
        for file in files {
            let url = URL(fileURLWithPath: root).appendingPathComponent(file.path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.text.utf8).write(to: url, options: .atomic)
        }
    }

    /// A copy of the tree with `files` over it, in a new temporary directory (for the gate's verify commands);
    /// the caller removes it.
    public func scratchCopy(with files: [SourceFile]) throws -> URL {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "grace-agent-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let base = URL(fileURLWithPath: root)
        // Everything else of the root is linked, not copied: relative commands (`bin/server`) still resolve.
        let included = Set(includes.map { $0.split(separator: "/").first.map(String.init) ?? $0 })
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        where !included.contains(entry) && entry != ".git" {
            try? FileManager.default.createSymbolicLink(
                at: scratch.appendingPathComponent(entry), withDestinationURL: base.appendingPathComponent(entry))
        }
        for include in includes {
            let source = base.appendingPathComponent(include)
            guard FileManager.default.fileExists(atPath: source.path) else { continue }
            let target = scratch.appendingPathComponent(include)
            try FileManager.default.createDirectory(
                at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: target)
        }
        for file in files {
            let url = scratch.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.text.utf8).write(to: url)
        }
        return scratch
    }
}

extension ConfigChange {
    /// The change that turns `before` into `after`: each differing file replaced whole (a repair made of several
    /// steps, a file restored from git).
    static func replacing(_ before: [SourceFile], with after: [SourceFile], summary: String, origin: Origin)
        -> ConfigChange
    {
        let old = Dictionary(before.map { ($0.path, $0.text) }, uniquingKeysWith: { a, _ in a })
        var edits: [TextEdit] = []
        for file in after where old[file.path] != file.text {
            let length = old[file.path].map { $0.utf8.count } ?? 0
            edits.append(TextEdit(file: file.path, range: 0..<length, replacement: file.text))
        }
        return ConfigChange(edits: edits, summary: summary, origin: origin)
    }
}
