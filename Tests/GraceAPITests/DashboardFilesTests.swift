import Foundation
import Testing

@testable import GraceAPI

/// The dashboard's files as `/static/NAME` serves them: native ES modules, which a browser runs only when they come
/// with a JavaScript content type, embedded in the binary from a folder whose files are served without a list to
/// keep up to date.
@Suite("dashboard files")
struct DashboardFilesTests {
    static let javaScript = "text/javascript; charset=utf-8"

    /// What `/static/NAME` answers: the content type and body, or the API error.
    static func served(_ name: String, by files: DashboardFiles) -> (type: String, body: String)? {
        guard let file = files.file(name) else { return nil }
        return (file.contentType, String(decoding: file.data, as: UTF8.self))
    }

    /// The files this build embedded, as `grace run` serves them.
    static func shipped() throws -> (files: DashboardFiles, names: [String]) {
        let files = DashboardFiles()
        return (files, files.names)
    }

    /// The dashboard's folder in the source tree.
    static let sourceFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/GraceAPI/Dashboard")

    @Test("the binary embeds every file of Sources/GraceAPI/Dashboard, byte for byte, and nothing else")
    func embeddedMatchesTheFolder() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.sourceFolder.path)
            .filter { !$0.hasPrefix(".") }.sorted()
        let files = DashboardFiles()
        #expect(names.contains("index.html") && names.contains("main.js"))
        #expect(files.names == names)
        for name in names {
            let bytes = try Data(contentsOf: Self.sourceFolder.appendingPathComponent(name))
            #expect(files.file(name)?.data == bytes, "\(name) differs from its embedded copy")
        }
    }

    @Test("every module of the shipped dashboard is served as text/javascript")
    func modulesAreJavaScript() throws {
        let (files, names) = try Self.shipped()
        let modules = names.filter { $0.hasSuffix(".js") }
        #expect(modules.contains("main.js"))
        for name in modules {
            #expect(Self.served(name, by: files)?.type == Self.javaScript, "\(name)")
        }
        #expect(Self.served("dashboard.css", by: files)?.type == "text/css; charset=utf-8")
        #expect(Self.served("index.html", by: files)?.type == "text/html; charset=utf-8")
    }

    @Test("the page's module graph is whole: index.html loads main.js and every relative import is served")
    func moduleGraphIsServed() throws {
        let (files, _) = try Self.shipped()
        let index = try #require(Self.served("index.html", by: files)).body
        #expect(index.contains(#"<script type="module" src="/static/main.js"></script>"#))
        var pending = ["main.js"]
        var reached: Set<String> = []
        while let name = pending.popLast() {
            guard reached.insert(name).inserted else { continue }
            let module = try #require(Self.served(name, by: files), "`\(name)` is imported but not served")
            #expect(module.type == Self.javaScript, "\(name)")
            for match in module.body.matches(of: #/(?:from|import)\s+"\./([^"/]+)"/#) {
                pending.append(String(match.1))
            }
        }
        #expect(
            reached.isSuperset(of: ["api.js", "stream.js", "kinds.js", "events.js", "agent.js"]), "\(reached.sorted())")
    }

    @Test("the coding agent's panel is on the page, and its module reads the agent's endpoints")
    func agentPanel() throws {
        let (files, _) = try Self.shipped()
        let index = try #require(Self.served("index.html", by: files)).body
        for id in ["agent", "agent-summary", "agent-rows", "agent-empty", "agent-commits", "agent-commits-empty"] {
            #expect(index.contains("id=\"\(id)\""), "index.html has no #\(id)")
        }
        #expect(index.contains(">Coding agent"))
        let api = try #require(Self.served("api.js", by: files)).body
        #expect(api.contains("\"/v1/agent\"") && api.contains("/v1/agent/tasks?limit="))
        let main = try #require(Self.served("main.js", by: files)).body
        #expect(main.contains("kind.startsWith(\"agent.\")"), "agent.* entries refresh the panel")
    }

    @Test("a file added to the folder is served without a list to update; hidden and odd names are not")
    func newFilesAreServed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["widget.js", "helper.mjs", ".hidden.js", "notes.txt"] {
            try Data("export const x = 1;\n".utf8).write(to: directory.appendingPathComponent(name))
        }
        let files = DashboardFiles(directory: directory)
        #expect(Self.served("widget.js", by: files)?.type == Self.javaScript)
        #expect(Self.served("helper.mjs", by: files)?.type == Self.javaScript)
        #expect(Self.served("notes.txt", by: files)?.type == "text/plain; charset=utf-8")
        for name in [".hidden.js", "../widget.js", "sub/widget.js", "missing.js", ""] {
            #expect(files.file(name) == nil, "\(name)")
            #expect(throws: APIError.self, "\(name)") { try files.response(for: name) }
        }
    }
}
