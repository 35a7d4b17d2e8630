import Foundation
import Testing

/// A `grace` binary on its own, as `scripts/install` puts it in PREFIX/bin or a user copies it: it needs nothing
/// from the build directory. The dashboard's files are embedded in it (the EmbedDashboard plugin) rather than
/// resources in a bundle next to the build's products, which a copy leaves behind.
@Suite("a copied grace binary", .timeLimit(.minutes(2)))
struct InstalledBinaryTests {
    @Test("a copy of the grace binary alone in a temporary directory serves / and /static/main.js")
    func copyServesTheDashboard() async throws {
        let bin = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: bin) }
        let copy = bin.appendingPathComponent("grace")
        try FileManager.default.copyItem(atPath: GraceBinary.path, toPath: copy.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: bin.path) == ["grace"])

        let directory = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try GraceBinary.freePort()
        try GraceBinary.write(
            "kind: grace\nname: copied\nstate_dir: var/grace\napi: {listen: \"127.0.0.1:\(port)\"}\n",
            to: directory.appendingPathComponent("config/grace.yaml"))
        try GraceBinary.write(
            "kind: kernel\nname: idle\ncommand: [/bin/sleep, \"1000\"]\n",
            to: directory.appendingPathComponent("config/kernels.yaml"))
        let grace = try RunningGrace(
            command: ["run"], in: directory, readStandardOutput: false, executable: copy.path)
        defer { grace.terminate() }
        let log = { grace.output.suffix(30).joined(separator: "\n") }
        _ = try #require(await grace.waitFor(["dashboard: http://127.0.0.1:\(port)/"]), "\(log())")
        #expect(!log().contains("no dashboard files"), "\(log())")

        let index = try await APIClient.request(port: port, method: "GET", path: "/", headers: [:], body: nil)
        #expect(index.status == 200, "\(String(decoding: index.body, as: UTF8.self).prefix(300))")
        #expect(index.headers["content-type"] == "text/html; charset=utf-8")
        #expect(String(decoding: index.body, as: UTF8.self).contains(#"src="/static/main.js""#))
        let module = try await APIClient.request(
            port: port, method: "GET", path: "/static/main.js", headers: [:], body: nil)
        #expect(module.status == 200)
        #expect(module.headers["content-type"] == "text/javascript; charset=utf-8")
        let source = try Data(
            contentsOf: GraceBinary.repository.appendingPathComponent("Sources/GraceAPI/Dashboard/main.js"))
        #expect(module.body == source)
    }
}
