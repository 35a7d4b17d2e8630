import Foundation

/// Finds a configuration on disk and reads its files.
public enum ConfigurationLoader {
    /// An I/O problem that stops loading (exit status 2 of `grace validate`).
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The configuration root: the nearest directory, from `start` upwards, holding `config/grace.yaml`
    /// (or another file in `config/` with a `kind: grace` document).
    public static func findRoot(from start: URL) -> URL? {
        var dir = start.standardizedFileURL
        while true {
            if isRoot(dir) { return dir }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { return nil }
            dir = parent
        }
    }

    private static func isRoot(_ dir: URL) -> Bool {
        let fm = FileManager.default
        let config = dir.appendingPathComponent("config")
        for name in ["grace.yaml", "grace.yml"] where fm.fileExists(atPath: config.appendingPathComponent(name).path) {
            return true
        }
        guard let entries = try? fm.contentsOfDirectory(atPath: config.path) else { return false }
        for entry in entries where entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
            let url = config.appendingPathComponent(entry)
            if let text = try? String(contentsOf: url, encoding: .utf8), declaresGrace(text) { return true }
        }
        return false
    }

    /// A quick textual test for a `kind: grace` line, good enough to locate the root before compiling.
    static func declaresGrace(_ text: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t == "kind: grace" || t == "kind: \"grace\"" || t == "kind: 'grace'"
        }
    }

    /// The directories a root's `grace` document includes (default `config` and `Playbooks`).
    public static func includes(root: URL) -> [String] {
        let fm = FileManager.default
        let config = root.appendingPathComponent("config")
        let entries = ((try? fm.contentsOfDirectory(atPath: config.path)) ?? []).sorted()
        for entry in entries where entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
            guard let text = try? String(contentsOf: config.appendingPathComponent(entry), encoding: .utf8),
                declaresGrace(text)
            else { continue }
            let sink = DiagnosticSink()
            let parsed = YAMLParser().parse(text, file: entry)
            for document in parsed.documents {
                if case .grace(let settings)? = DocumentDecoder(sink: sink).decode(document) {
                    return settings.include
                }
            }
        }
        return ["config", "Playbooks"]
    }

    /// Every YAML file under `paths` (directories recursively, sorted), or the files themselves.
    public static func files(under paths: [URL]) throws -> [URL] {
        let fm = FileManager.default
        var out: [URL] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
                throw LoadError(description: "\(path.relativePath): no such file or directory")
            }
            if !isDirectory.boolValue {
                out.append(path)
                continue
            }
            guard let walker = fm.enumerator(at: path, includingPropertiesForKeys: [.isRegularFileKey]) else {
                throw LoadError(description: "\(path.relativePath): cannot list directory")
            }
            var found: [URL] = []
            for case let url as URL in walker where url.pathExtension == "yaml" || url.pathExtension == "yml" {
                found.append(url)
            }
            out.append(contentsOf: found.sorted { $0.path < $1.path })
        }
        return out
    }

    /// Reads files as UTF-8. Paths in diagnostics are shown relative to `base` when inside it.
    public static func read(_ urls: [URL], relativeTo base: URL) throws -> [SourceFile] {
        let basePath = base.standardizedFileURL.path + "/"
        return try urls.map { url in
            let absolute = url.standardizedFileURL.path
            let shown = absolute.hasPrefix(basePath) ? String(absolute.dropFirst(basePath.count)) : absolute
            guard let data = FileManager.default.contents(atPath: absolute) else {
                throw LoadError(description: "\(shown): cannot read file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw LoadError(description: "\(shown): not valid UTF-8")
            }
            return SourceFile(path: shown, text: text)
        }
    }
}
