import Foundation
import GraceDSL

/// What reloading from one git revision of the configuration to another would do.
public struct ConfigurationPlan: Sendable {
    /// The old revision as the user named it (`HEAD~1`, a tag).
    public var from: String
    /// The new revision as the user named it.
    public var to: String
    /// The full commit id `from` resolved to.
    public var fromCommit: String
    /// The full commit id `to` resolved to.
    public var toCommit: String
    /// The documents added, changed and removed, and what that means for kernels (start, restart, stop).
    public var diff: GraphDiff
    /// The old revision's graph content hash; nil when it does not compile.
    public var fromHash: String?
    /// The new revision's graph content hash; nil when it does not compile.
    public var toHash: String?
    /// Diagnostics of the new revision; with errors, a reload would be refused.
    public var newDiagnostics: [Diagnostic]
    /// The new revision's files by path, for rendering its diagnostics with their source lines.
    public var newSources: [String: String]
    /// Both revisions' graphs, when they compile (for `grace plan --replay`).
    public var graphs: (from: ExecutionGraph?, to: ExecutionGraph?) = (nil, nil)

    /// Error diagnostics of the new revision; more than zero means a reload to it would be refused.
    public var newErrors: Int { newDiagnostics.filter { $0.severity == .error }.count }

    /// Reads both revisions with git and compiles them (without checking executables: a revision need not
    /// match this machine).
    public static func make(repository: GitRepository, from: String, to: String, paths: [String]) throws
        -> ConfigurationPlan
    {
        let fromCommit = try repository.resolve(from)
        let toCommit = try repository.resolve(to)
        let compiler = Compiler(options: CompilerOptions(checkExecutables: false))
        let oldFiles = try repository.yamlFiles(at: fromCommit, under: paths)
        let newFiles = try repository.yamlFiles(at: toCommit, under: paths)
        let old = compiler.compile(oldFiles)
        let new = compiler.compile(newFiles)
        return ConfigurationPlan(
            from: from, to: to, fromCommit: fromCommit, toCommit: toCommit,
            diff: GraphDiff(from: hashes(old), to: hashes(new)), fromHash: old.graph?.contentHash,
            toHash: new.graph?.contentHash, newDiagnostics: new.diagnostics,
            newSources: Dictionary(newFiles.map { ($0.path, $0.text) }, uniquingKeysWith: { a, _ in a }),
            graphs: (old.graph, new.graph))
    }

    /// Document hashes even when a revision has errors, so the diff is still useful.
    private static func hashes(_ result: CompilationResult) -> [DocumentID: String] {
        if let graph = result.graph { return graph.documentHashes }
        var out: [DocumentID: String] = [:]
        for document in result.documents {
            let id = DocumentID(kind: document.header.kind, name: document.header.name.value)
            // Without a graph there is no content hash; the canonical form of the decoded document stands in.
            out[id] =
                out[id] ?? String(describing: document.header.span.file) + ":"
                + String(document.header.span.start.offset)
        }
        return out
    }

    /// The plan for a terminal: kernels to start, restart and stop, other documents, then the new revision's errors
    /// rendered with their source lines (ANSI colours when `color`).
    public func text(color: Bool) -> String {
        var out = "plan \(from)..\(to) (\(fromCommit.prefix(10))..\(toCommit.prefix(10)))\n"
        if diff.isEmpty {
            out += "no change to the execution graph (\(diff.unchanged) documents unchanged)\n"
        } else {
            for name in diff.kernelsToStart { out += "  + start kernel \(name)\n" }
            for name in diff.kernelsToRestart { out += "  ~ restart kernel \(name)\n" }
            for name in diff.kernelsToStop { out += "  - stop kernel \(name)\n" }
            for id in diff.added where id.kind != .kernel { out += "  + add \(id.kind.rawValue) \(id.name)\n" }
            for id in diff.changed where id.kind != .kernel { out += "  ~ change \(id.kind.rawValue) \(id.name)\n" }
            for id in diff.removed where id.kind != .kernel { out += "  - remove \(id.kind.rawValue) \(id.name)\n" }
            out +=
                "\(diff.added.count) added, \(diff.changed.count) changed, \(diff.removed.count) removed, "
                + "\(diff.unchanged) unchanged\n"
        }
        if newErrors > 0 {
            out += "\n\(to) does not compile: a reload to it would be refused and the running graph kept.\n\n"
            out += TextDiagnosticRenderer(color: color).render(newDiagnostics, sources: newSources) + "\n"
        }
        return out
    }

    /// The plan as pretty-printed JSON with sorted keys (`grace plan --json`); the diagnostics only as a count.
    public func json() -> String {
        struct Output: Encodable {
            var from: String
            var to: String
            var fromCommit: String
            var toCommit: String
            var fromHash: String?
            var toHash: String?
            var kernels: [String: [String]]
            var added: [String]
            var changed: [String]
            var removed: [String]
            var unchanged: Int
            var compiles: Bool
            var errors: Int
        }
        let value = Output(
            from: from, to: to, fromCommit: fromCommit, toCommit: toCommit, fromHash: fromHash, toHash: toHash,
            kernels: ["start": diff.kernelsToStart, "restart": diff.kernelsToRestart, "stop": diff.kernelsToStop],
            added: diff.added.map(\.description), changed: diff.changed.map(\.description),
            removed: diff.removed.map(\.description), unchanged: diff.unchanged, compiles: newErrors == 0,
            errors: newErrors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
