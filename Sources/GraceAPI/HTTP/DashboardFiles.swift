import Foundation

/// The dashboard's plain files, shipped as SwiftPM resources of this target (`Dashboard/`): `/` is
/// `index.html`, `/static/NAME` is `Dashboard/NAME`. Read once and kept in memory (they are small). The folder is
/// listed, not named file by file, so a new module of the page is served as soon as it is in the folder.
struct DashboardFiles: Sendable {
    let directory: URL?
    private let cache: [String: Data]

    init(directory: URL? = DashboardFiles.locate()) {
        self.directory = directory
        var cache: [String: Data] = [:]
        if let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            for name in names where Self.isValidName(name) {
                if let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) {
                    cache[name] = data
                }
            }
        }
        self.cache = cache
    }

    /// The resource bundle's `Dashboard` folder. Looked up as `Bundle.module` would, but without its
    /// `fatalError` when the bundle is missing (an installed binary without its resources): the API then
    /// answers 404 for the dashboard and serves everything else.
    static func locate() -> URL? {
        let bundleName = "Grace_GraceAPI.resources"
        var candidates: [URL] = [Bundle.main.bundleURL.appendingPathComponent(bundleName)]
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent(bundleName))
        }
        for candidate in candidates {
            let dashboard = candidate.appendingPathComponent("Dashboard")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dashboard.path, isDirectory: &isDirectory), isDirectory.boolValue
            {
                return dashboard
            }
        }
        if let bundle = Bundle(path: candidates[0].path),
            let url = bundle.resourceURL?.appendingPathComponent("Dashboard")
        {
            return url
        }
        return nil
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name.count <= 128
            && name.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)
            }
            && name.unicodeScalars.allSatisfy(\.isASCII)
    }

    /// By extension. JavaScript is `text/javascript` (RFC 9239): browsers run a module script only with a
    /// JavaScript type, and the API sends `nosniff`.
    static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "html", "htm": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json", "map": "application/json; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }

    /// The file's content, or nil when there is no such file.
    func file(_ name: String) -> (contentType: String, data: Data)? {
        guard Self.isValidName(name), let data = cache[name] else { return nil }
        return (Self.contentType(of: name), data)
    }
}
