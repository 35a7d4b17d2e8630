import Foundation

/// Finds the file a command's first word names, the way Grace's runtime will when it spawns it.
///
/// Order: an absolute path as is; a path with `/` relative to the configuration root; a bare name in the tool
/// directories (next to the `grace` binary), then in `PATH`. `grace` itself always resolves.
final class ExecutableResolver {
    private let root: String
    private let searchPath: [String]
    private var cache: [String: String?] = [:]

    init(root: String, toolDirectories: [String]) {
        self.root = root
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        searchPath = toolDirectories + path.split(separator: ":").map(String.init)
    }

    /// The resolved path, or nil when nothing executable is there.
    func resolve(_ name: String) -> String? {
        if let hit = cache[name] { return hit }
        let found = lookUp(name)
        cache[name] = found
        return found
    }

    private func lookUp(_ name: String) -> String? {
        let fm = FileManager.default
        func executable(_ path: String) -> Bool {
            var isDirectory: ObjCBool = false
            return fm.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && fm.isExecutableFile(atPath: path)
        }
        if name == "grace" { return "grace" }
        if name.hasPrefix("/") { return executable(name) ? name : nil }
        if name.contains("/") {
            let path = (root as NSString).appendingPathComponent(name)
            return executable(path) ? path : nil
        }
        for dir in searchPath where !dir.isEmpty {
            let path = (dir as NSString).appendingPathComponent(name)
            if executable(path) { return path }
        }
        return nil
    }
}
