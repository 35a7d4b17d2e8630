import Foundation
import Testing

/// The CLI as a client of the HTTP API, and the API against its OpenAPI document, on a real `grace run`.
@Suite("API clients and the OpenAPI document", .timeLimit(.minutes(10)))
struct APIClientTests {
    static func configuration(port: Int) throws -> URL {
        let dir = try RunCommandTests.configuration(
            """
            kind: kernel
            name: alpha
            command: [/bin/sleep, "1000"]
            ---
            kind: kernel
            name: beta
            command: [/bin/sleep, "1000"]
            ---
            kind: playbook
            name: bounce
            params: {kernel: {type: kernel}}
            steps: [{name: restart-it, restart: "{{ kernel }}"}]
            ---
            kind: trigger
            name: crashed
            when: {exit: "*"}
            run: bounce
            with: {kernel: "{{ event.kernel }}"}
            """)
        try GraceBinary.write(
            "kind: grace\nname: client-test\nstate_dir: var/grace\napi: {listen: \"127.0.0.1:\(port)\"}\n",
            to: dir.appendingPathComponent("config/grace.yaml"))
        return dir
    }

    @Test("status, kernels, restart, events, runs: tables, --json, and useful errors")
    func clients() async throws {
        let port = try GraceBinary.freePort()
        let dir = try Self.configuration(port: port)
        defer { try? FileManager.default.removeItem(at: dir) }
        let grace = try RunningGrace(arguments: [], in: dir)
        defer { grace.terminate() }
        _ = try await grace.waitFor(["dashboard: http://127.0.0.1:\(port)/"])
        let started = try await grace.waitFor(["kernel.ready", "kernel=beta"])

        let status = try await GraceBinary.run(["status"], in: dir)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("2 of 2 running"))
        #expect(status.stdout.contains("dashboard  http://127.0.0.1:\(port)/"))

        let kernels = try await GraceBinary.run(["kernels"], in: dir)
        #expect(kernels.stdout.contains("KERNEL"))
        #expect(kernels.stdout.split(separator: "\n").contains { $0.hasPrefix("alpha") && $0.contains("running") })
        let json = try await GraceBinary.run(["kernels", "--json"], in: dir)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let list = try #require(object?["kernels"] as? [[String: Any]])
        #expect(list.map { $0["name"] as? String } == ["alpha", "beta"])

        // A follower started now sees what happens next.
        let follower = try RunningCommand(
            ["events", "--follow", "--kind", "kernel.exited", "--kind", "run.succeeded"], in: dir)
        defer { follower.terminate() }

        // A crash: the trigger runs the playbook; the follower sees it as it happens; `runs` shows it.
        let beta = try #require(RunningGrace.field("pid", in: started.line).flatMap { Int32($0) })
        kill(beta, SIGKILL)
        _ = try await follower.waitFor(["kernel.exited", "beta", "signal=SIGKILL"])
        _ = try await follower.waitFor(["run.succeeded", "playbook=bounce"])
        let runs = try await GraceBinary.run(["runs"], in: dir)
        #expect(runs.stdout.contains("bounce"), "\(runs.stdout)\(runs.stderr)")
        #expect(runs.stdout.contains("succeeded"))
        let runsJSON = try await GraceBinary.run(["runs", "--json"], in: dir)
        let runList = try JSONSerialization.jsonObject(with: Data(runsJSON.stdout.utf8)) as? [String: Any]
        let runID = try #require((runList?["runs"] as? [[String: Any]])?.first?["id"] as? String)
        let one = try await GraceBinary.run(["runs", runID], in: dir)
        #expect(one.stdout.contains("restart-it"))
        #expect(one.stdout.contains("restarted beta"))
        // `grace explain`: the crash observed, the firing and the run, by run id and by kernel; unknown is 2.
        let explained = try await GraceBinary.run(["explain", runID], in: dir)
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("kernel.exited beta: exited"), "\(explained.stdout)")
        #expect(explained.stdout.contains("killed by SIGKILL"), "\(explained.stdout)")
        #expect(explained.stdout.contains("restart-it"), "\(explained.stdout)")
        let latest = try await GraceBinary.run(["explain", "--kernel", "beta", "--json"], in: dir)
        let incident = try JSONSerialization.jsonObject(with: Data(latest.stdout.utf8)) as? [String: Any]
        #expect(incident?["run"] as? String == runID, "\(latest.stdout)\(latest.stderr)")
        let unknownRun = try await GraceBinary.run(["explain", "no-such-run"], in: dir)
        #expect(unknownRun.status == 2)
        #expect(unknownRun.stderr.contains("no-such-run"), "\(unknownRun.stderr)")

        // restart through the API: journaled like any other.
        let restart = try await GraceBinary.run(["kernel", "restart", "alpha"], in: dir)
        #expect(restart.status == 0, "\(restart.stderr)")
        _ = try await grace.waitFor(["kernel.stopped", "kernel=alpha"], after: started.index)
        let unknown = try await GraceBinary.run(["kernel", "restart", "gamma"], in: dir)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("gamma"))
        let refused = try await GraceBinary.run(["kernel", "resume", "alpha"], in: dir)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not paused"))
        // The earlier spellings still work, for existing scripts.
        let legacy = try await GraceBinary.run(["restart", "alpha", "--resume"], in: dir)
        #expect(legacy.status == 1)
        #expect(legacy.stderr.contains("not paused"))
        let legacyRestart = try await GraceBinary.run(["restart", "--json", "alpha"], in: dir)
        #expect(legacyRestart.status == 0, "\(legacyRestart.stderr)")
        #expect(legacyRestart.stdout.contains("\"restarting alpha\""))

        let events = try await GraceBinary.run(["events", "--kernel", "beta", "--limit", "10"], in: dir)
        #expect(events.stdout.contains("kernel.exited"))

        // The server and docs/openapi.yaml agree on every operation (statuses and bodies), now that there is a run.
        let python = try #require(GraceBinary.python, "\(GraceBinary.pythonMissing)")
        let check = try await GraceBinary.runTool(
            python,
            [
                GraceBinary.repository.appendingPathComponent("scripts/check-openapi.py").path,
                "http://127.0.0.1:\(port)", dir.appendingPathComponent("var/grace/api.token").path,
                GraceBinary.repository.appendingPathComponent("docs/openapi.yaml").path,
            ])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test("reload --api goes through the HTTP API: unchanged, then refused with the diagnostics")
    func reloadThroughAPI() async throws {
        let port = try GraceBinary.freePort()
        let dir = try Self.configuration(port: port)
        defer { try? FileManager.default.removeItem(at: dir) }
        let grace = try RunningGrace(arguments: [], in: dir)
        defer { grace.terminate() }
        _ = try await grace.waitFor(["dashboard: http://127.0.0.1:\(port)/"])
        let api = "http://127.0.0.1:\(port)"
        let unchanged = try await GraceBinary.run(["reload", "--api", api], in: dir)
        #expect(unchanged.status == 0, "\(unchanged.stderr)")
        #expect(unchanged.stdout.contains("configuration unchanged"))
        let kernels = dir.appendingPathComponent("config/kernels.yaml")
        let text = try String(contentsOf: kernels, encoding: .utf8)
        try GraceBinary.write(
            text + "\n---\nkind: kernel\nname: broken\ncommand: [/bin/sleep]\ndepends_on: [ghost]\n", to: kernels)
        let refused = try await GraceBinary.run(["reload", "--api", api], in: dir)
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("reload refused"))
        #expect(refused.stdout.contains("error[G"))
        // Without the token the API refuses, and says where the token comes from.
        let elsewhere = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let noToken = try await GraceBinary.run(["reload", "--api", api, "--state-dir", elsewhere.path], in: dir)
        #expect(noToken.status == 2)
        #expect(noToken.stderr.contains("api.token"))
    }

    @Test("client commands without a running Grace say so and exit 2")
    func notRunning() async throws {
        let port = try GraceBinary.freePort()
        let dir = try Self.configuration(port: port)
        defer { try? FileManager.default.removeItem(at: dir) }
        let commands = [
            ["status"], ["kernels"], ["kernel", "restart", "alpha"], ["kernel", "pause", "alpha"],
            ["restart", "alpha"], ["events"], ["runs"], ["explain", "r-1"],
        ]
        for arguments in commands {
            let out = try await GraceBinary.run(arguments, in: dir)
            #expect(out.status == 2, "\(arguments)")
            #expect(out.stderr.contains("Grace is not running"), "\(arguments): \(out.stderr)")
        }
    }
}

/// A long-running `grace` command (`events --follow`) whose stdout lines a test waits on.
final class RunningCommand: Sendable {
    private let grace: RunningGrace

    init(_ arguments: [String], in directory: URL) throws {
        grace = try RunningGrace(command: arguments, in: directory, readStandardOutput: true)
    }

    func waitFor(_ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> (
        index: Int, line: String
    ) {
        try await grace.waitFor(fragments, sourceLocation: sourceLocation)
    }
    func terminate() { grace.terminate() }
}
