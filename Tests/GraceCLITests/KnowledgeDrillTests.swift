import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The knowledge base end to end: grace-demo logs an error Grace has never seen, a playbook heals it, the
/// binding is learned, and the next occurrence is healed directly by the bound playbook.
@Suite("Knowledge base drill", .timeLimit(.minutes(10)))
struct KnowledgeDrillTests {
    static func configuration(port: Int) -> String {
        """
        kind: kernel
        name: app
        command: [grace-demo, --name, app, --port, "\(port)", --data, var/demo/app]
        ready: notify
        logs:
          format: "<Date> <Time> <Level> <Component>: <Content>"
          masks: ['(\\d+\\.){3}\\d+(:\\d+)?']
        ---
        kind: playbook
        name: restart-app
        params: {kernel: {type: kernel}}
        steps: [{restart: "{{ kernel }}"}]
        ---
        kind: trigger
        name: new-error
        description: An error nobody has bound yet; restarting is the first thing to try.
        when: {signature: unknown, kernel: app}
        run: restart-app
        with: {kernel: "{{ event.kernel }}"}
        ---
        kind: trigger
        name: known-error
        when: {signature: known, kernel: "*"}
        """
    }

    @Test("a new error is healed, the binding is learned, and the next occurrence runs the bound playbook")
    func learnAndReuse() async throws {
        let port = try GraceBinary.freePort()
        let dir = try RunCommandTests.configuration(Self.configuration(port: port))
        defer { try? FileManager.default.removeItem(at: dir) }
        try GraceBinary.write(
            "kind: grace\nname: kb-test\nstate_dir: var/grace\nknowledge: {success_window: 1s}\n",
            to: dir.appendingPathComponent("config/grace.yaml"))
        let grace = try RunningGrace(arguments: [], in: dir)
        defer { grace.terminate() }
        let ready = try await grace.waitFor(["kernel.ready", "kernel=app"])

        // 1. A new error: the `unknown` trigger restarts the kernel; it stays healthy, so the binding is learned.
        try await emit("cache shard 17 lost its lease to 10.0.0.7:7000 after 3 retries", port: port)
        let first = try await grace.waitFor(["trigger.fired", "trigger=new-error"], after: ready.index)
        let signature = try #require(RunningGrace.field("event.signature", in: first.line))
        let learned = try await grace.waitFor(
            ["kb.binding_learned", "signature=\(signature)", "playbook=restart-app"], after: first.index)
        #expect(learned.line.contains("healed=true"))

        // 2. The same error with other values: recognised, and the bound playbook runs at once.
        let restarted = try await grace.waitFor(["kernel.ready", "kernel=app"], after: first.index)
        try await emit("cache shard 4 lost its lease to 10.0.0.9:7001 after 12 retries", port: port)
        let second = try await grace.waitFor(
            ["trigger.fired", "trigger=known-error", "event.signature=\(signature)"], after: restarted.index)
        #expect(second.line.contains("event.learned=true"))
        _ = try await grace.waitFor(["run.succeeded", "playbook=restart-app"], after: second.index)
        // The second run heals too: the binding's record grows.
        _ = try await grace.waitFor(["kb.outcome", "signature=\(signature)", "successes=2"], after: second.index)
        #expect(!grace.output.suffix(from: second.index).contains { $0.contains("trigger=new-error") })
        await grace.stop()

        // Both runs are in the journal, and the knowledge base shows and exports the binding.
        let runs = try await GraceBinary.run(["journal", "show", "--kind", "run.started", "--json"], in: dir)
        #expect(
            runs.stdout.contains("\"trigger\" : \"new-error\"") || runs.stdout.contains("\"trigger\":\"new-error\""),
            "\(runs.stdout)")
        #expect(runs.stdout.contains("known-error"))
        let list = try await GraceBinary.run(["kb", "list"], in: dir)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("cache shard <*> lost its lease to <*> after <*> retries"), "\(list.stdout)")
        #expect(list.stdout.contains("restart-app (learned, 2/2 healed"))
        let show = try await GraceBinary.run(["kb", "show", String(signature.prefix(8))], in: dir)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("kernel     app: 2"))
        let exported = dir.appendingPathComponent("config/learned.yaml")
        let export = try await GraceBinary.run(["kb", "export", "--output", exported.path], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        let text = try String(contentsOf: exported, encoding: .utf8)
        #expect(text.contains("kind: signature"))
        #expect(text.contains("playbook: restart-app"))
        // The exported document compiles with the configuration it came from.
        let validate = try await GraceBinary.run(["validate", "--no-executable-check"], in: dir)
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        // Forgetting it empties the knowledge base of that signature.
        let forget = try await GraceBinary.run(["kb", "forget", signature], in: dir)
        #expect(forget.status == 0, "\(forget.stderr)")
        let gone = try await GraceBinary.run(["kb", "show", signature], in: dir)
        #expect(gone.status == 2)
    }

    @Test("kb commands without a knowledge base say so and exit 2")
    func noState() async throws {
        let dir = try RunCommandTests.configuration("kind: kernel\nname: svc\ncommand: [/bin/sleep, \"1000\"]\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = try await GraceBinary.run(["kb", "list"], in: dir)
        #expect(list.status == 2)
        #expect(list.stderr.contains("Grace has not run"))
    }

    /// POST /fault/emit to grace-demo: it logs the line as an ERROR.
    private func emit(_ line: String, port: Int) async throws {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/fault/emit")
        components?.queryItems = [
            URLQueryItem(name: "line", value: line), URLQueryItem(name: "component", value: "cache"),
        ]
        let url = try #require(components?.url)
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect(((response as? HTTPURLResponse)?.statusCode).map { (200..<300).contains($0) } == true)
    }
}
