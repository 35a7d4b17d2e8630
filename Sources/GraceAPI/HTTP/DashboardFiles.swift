import Foundation

/// The dashboard's plain files (`Sources/GraceAPI/Dashboard/`), embedded in the binary when it is built (the
/// EmbedDashboard plugin writes `embedded`): `/` is `index.html`, `/static/NAME` is `NAME`. A `grace` copied or
/// installed anywhere serves them with nothing beside it. Decoded once and kept in memory (they are small). Every
/// file of the folder is embedded, so a new module of the page is served as soon as it is in the folder.
struct DashboardFiles: Sendable {
    private let cache: [String: Data]

    /// The files built into this binary.
    init() {
        self.init(files: Self.embedded.compactMapValues { Data(base64Encoded: $0) })
    }

    /// These files by name; odd names (hidden, a path, non-ASCII) are left out, as `file(_:)` never serves them.
    init(files: [String: Data]) {
        cache = files.filter { Self.isValidName($0.key) }
    }

    /// The files of a folder, read now (a test's, or a copy of the dashboard); none when `directory` is nil or
    /// cannot be read.
    init(directory: URL?) {
        var files: [String: Data] = [:]
        if let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            for name in names where Self.isValidName(name) {
                if let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) {
                    files[name] = data
                }
            }
        }
        self.init(files: files)
    }

    /// The names of the files served, sorted.
    var names: [String] { cache.keys.sorted() }

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
