import Foundation
import TestSupport
import Testing

/// What `scripts/up` runs, on the configuration the repository ships: `grace validate`, then
/// `grace run` from the configuration root. (The script builds in release first; this runs the
/// debug build next to the tests.) It runs on a copy of config/ and Playbooks/ in a temporary directory, with the
/// API and the demo kernels moved to free ports, so that it never meets a Grace a developer has running: the state
/// directory (`state_dir: var/grace`) and the kernels' data are inside the copy.
@Suite("scripts/up on the shipped configuration", .timeLimit(.minutes(10)))
struct UpCommandTests {
    @Test("every kernel becomes healthy, nothing is left unrun, and SIGTERM stops it with 0")
    func up() async throws {
        let root = try Self.copyOfShippedConfiguration()
        defer { try? FileManager.default.removeItem(at: root) }

        let validate = try await GraceBinary.run(["validate"], in: root)
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        let graph = try await GraceBinary.run(["graph", "--format", "json"], in: root)
        let object = try JSONSerialization.jsonObject(with: Data(graph.stdout.utf8)) as? [String: Any]
        let kernels = try #require(object?["bootOrder"] as? [String], "\(graph.stdout.prefix(500))\(graph.stderr)")
        try #require(!kernels.isEmpty)
        // This build runs everything the shipped configuration declares: no --allow-partial.
        let grace = try RunningGrace(arguments: [], in: root)
        defer { grace.terminate() }
        for kernel in kernels {
            _ = try await grace.waitFor(["kernel.healthy", "kernel=\(kernel)"])
        }
        #expect(!grace.output.contains { $0.contains("not run by this build") })

        let status = await grace.stop()
        #expect(status == 0, "\(grace.output.suffix(30).joined(separator: "\n"))")
        for kernel in kernels {
            #expect(
                grace.output.contains { $0.contains("kernel.stopped") && $0.contains("kernel=\(kernel)") },
                "\(kernel) was not stopped at shutdown")
        }
        for kernel in kernels {
            let shown = try await GraceBinary.run(
                ["journal", "show", "--kernel", kernel, "--kind", "kernel.healthy", "--json"], in: root)
            let entries = try? JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [Any]
            #expect(entries?.isEmpty == false, "no kernel.healthy for \(kernel) in the journal: \(shown.stderr)")
        }
        let verify = try await GraceBinary.run(["journal", "verify"], in: root)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    /// The ports the shipped configuration uses (config/grace.yaml, config/fleet.yaml, config/kernels.yaml).
    static let shippedPorts = [7070, 7071, 7072, 7073, 7074, 7075, 7076, 8081, 8082, 8083, 8084, 8085]

    /// A temporary configuration root holding copies of config/ and Playbooks/, with every shipped port replaced by a
    /// free one (the same one wherever the port appears: a kernel's command, its `ports:` and its probe), and of
    /// libexec/ (the helpers the playbooks' `exec` steps run, named relative to the root).
    static func copyOfShippedConfiguration() throws -> URL {
        let root = try GraceBinary.temporaryDirectory()
        var free: [Int] = []
        while free.count < shippedPorts.count {
            let port = try GraceBinary.freePort()
            if !free.contains(port) && !shippedPorts.contains(port) { free.append(port) }
        }
        let moved = Dictionary(uniqueKeysWithValues: zip(shippedPorts.map(String.init), free.map(String.init)))
        let pattern = try NSRegularExpression(
            pattern: "(?<![0-9])(" + shippedPorts.map(String.init).joined(separator: "|") + ")(?![0-9])")
        let fm = FileManager.default
        for directory in ["config", "Playbooks"] {
            let source = GraceBinary.repository.appendingPathComponent(directory)
            for name in try fm.contentsOfDirectory(atPath: source.path).sorted() {
                var text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
                let whole = NSRange(text.startIndex..., in: text)
                for match in pattern.matches(in: text, range: whole).reversed() {
                    guard let range = Range(match.range, in: text), let port = moved[String(text[range])] else {
                        continue
                    }
                    text.replaceSubrange(range, with: port)
                }
                try GraceBinary.write(text, to: root.appendingPathComponent("\(directory)/\(name)"))
            }
        }
        try fm.copyItem(
            at: GraceBinary.repository.appendingPathComponent("libexec"), to: root.appendingPathComponent("libexec"))
        return root
    }
}
