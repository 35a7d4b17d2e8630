import Foundation
import TestSupport
import Testing

/// The coding agent's two drills from the design, end to end: the `grace` binary on a copy of the shipped
/// configuration in a git repository, its agent process (grace-agent) doing the work, real faults injected
/// through grace-demo. Times are printed (bench/agent records them), never asserted.
@Suite("Coding agent drills", .serialized, .timeLimit(.minutes(10)))
struct AgentDrillTests {
    /// The shipped configuration in a fresh git repository, with a short watch window, under `grace run`.
    struct Repository {
        let shipped: HealingScenarioTests.Shipped

        /// `edits` are further (text, replacement) pairs for config/grace.yaml.
        init(editing edits: [(String, String)] = []) async throws {
            let root = try UpCommandTests.copyOfShippedConfiguration()
            let grace = root.appendingPathComponent("config/grace.yaml")
            var text = try String(contentsOf: grace, encoding: .utf8)
                .replacingOccurrences(of: "success_window: 30s", with: "success_window: 2s")
            for (old, new) in edits {
                #expect(text.contains(old), "config/grace.yaml has no `\(old)`")
                text = text.replacingOccurrences(of: old, with: new)
            }
            try Data(text.utf8).write(to: grace)
            try Data("var/\n".utf8).write(to: root.appendingPathComponent(".gitignore"))
            try await Self.git(["init", "-q"], in: root)
            try await Self.git(["add", "-A"], in: root)
            try await Self.git(["commit", "-q", "-m", "the operator's configuration"], in: root)
            shipped = try await HealingScenarioTests.Shipped(root: root)
        }

        var root: URL { shipped.root }
        var grace: RunningGrace { shipped.grace }

        @discardableResult
        static func git(environment: [String] = [], _ arguments: [String], in root: URL) async throws -> String {
            let out = try await GraceBinary.runTool(
                "/usr/bin/env",
                environment + ["git", "-c", "user.name=Operator", "-c", "user.email=operator@example.com"]
                    + arguments, in: root)
            #expect(out.status == 0, "git \(arguments.joined(separator: " ")): \(out.stderr)")
            return out.stdout
        }

        /// Every commit by the agent validates: its tree, checked out alone, passes `grace validate`.
        func everyAgentCommitValidates() async throws -> Int {
            let commits = try await Self.git(["log", "--author=Grace agent", "--format=%H"], in: root)
                .split(separator: "\n").map(String.init)
            for commit in commits {
                let copy = try GraceBinary.temporaryDirectory()
                defer { try? FileManager.default.removeItem(at: copy) }
                let archive = copy.appendingPathComponent("tree.tar")
                try await Self.git(["archive", "-o", archive.path, commit], in: root)
                _ = try await GraceBinary.runTool("/usr/bin/env", ["tar", "-xf", archive.path], in: copy)
                let validate = try await GraceBinary.run(["validate"], in: copy)
                #expect(validate.status == 0, "agent commit \(commit.prefix(10)) does not validate: \(validate.stdout)")
            }
            return commits.count
        }

        /// The missing-parameter fault on api, answered by the agent up to its watch window: the journal line of
        /// `state=watching`, and the agent's pid (from `grace kernels --json`) at that moment.
        func agentWatchingAFix() async throws -> (watching: (index: Int, line: String), pid: Int) {
            let before = grace.output.count - 1
            try await shipped.inject("require", into: "api", query: "param=API_REGION&example=eu-1")
            _ = try await callUntilAccepted("api")
            let watching = try await grace.waitFor(["agent.task", "kernel=api", "state=watching"], after: before)
            let kernels = try await GraceBinary.run(["kernels", "--json"], in: root)
            let list = try JSONSerialization.jsonObject(with: Data(kernels.stdout.utf8)) as? [String: Any]
            let agent = try #require(
                (list?["kernels"] as? [[String: Any]])?.first { $0["name"] as? String == "grace-agent" },
                "\(kernels.stdout)")
            return (watching, try #require(agent["pid"] as? Int))
        }

        /// `GET /call` on `kernel` until it answers 200; the seconds it took.
        func callUntilAccepted(_ kernel: String) async throws -> Double {
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .seconds(60) {
                let reply = try? await APIClient.request(
                    port: try shipped.port(of: kernel), method: "GET", path: "/call", headers: [:], body: nil)
                if reply?.status == 200 { return Self.seconds(ContinuousClock.now - start) }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("\(kernel) still rejects calls after 60 s")
            return .infinity
        }

        static func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
    }

    @Test("API error, missing parameter: diagnosed, fixed, committed, reloaded; then fixed from the pattern")
    func missingParameter() async throws {
        let repo = try await Repository()
        defer { repo.grace.terminate() }
        // Every kernel healthy for the (shortened) window, the tree committed: a revision to roll back to.
        _ = try await repo.grace.waitFor(["config.known_good", "revision="])
        let before = repo.grace.output.count - 1
        try await repo.shipped.inject("require", into: "api", query: "param=API_REGION&example=eu-1")
        let first = try await repo.callUntilAccepted("api")
        let committed = try await repo.grace.waitFor(
            ["agent.task", "kernel=api", "state=committed", "missing-parameter"], after: before)
        _ = try await repo.grace.waitFor(["agent.task", "kernel=api", "state=done"], after: committed.index)
        _ = try await repo.grace.waitFor(["agent.committed", "files=config/kernels.yaml"], after: before)
        let kernels = try String(contentsOf: repo.root.appendingPathComponent("config/kernels.yaml"), encoding: .utf8)
        #expect(kernels.contains("API_REGION: eu-1"))

        // The same error from another kernel: fixed from the learned pattern, without diagnosing the line again.
        let mark = repo.grace.output.count - 1
        try await repo.shipped.inject("require", into: "worker", query: "param=API_REGION&example=eu-1")
        let second = try await repo.callUntilAccepted("worker")
        _ = try await repo.grace.waitFor(["agent.task", "kernel=worker", "state=committed", "[pattern]"], after: mark)
        print("drill missing-parameter: error to accepted call \(first) s; from the pattern \(second) s")

        #expect(try await repo.everyAgentCommitValidates() == 2)
        let log = try await Repository.git(["log", "-2", "--format=%an|%B"], in: repo.root)
        #expect(log.contains("Grace agent|agent: set API_REGION in the environment of worker"))
        #expect(log.contains("Grace-Planner: pattern"))
        try await repo.shipped.finish()
    }

    /// The shipped playbooks whose triggers no test of this suite waits for (a 30-minute schedule, a saturated
    /// host for a minute, five calm minutes, an anomaly's warm-up of 60 samples, an unknown error five times in ten minutes, a restart loop, a
    /// silent agent, an unrepairable edit), run by hand through the running Grace as an operator would: each runs
    /// its real steps against the real kernels and agent, and succeeds.
    @Test(
        "the playbooks no short test triggers run by hand and succeed",
        arguments: [
            ["periodic-snapshot", "kernel=store", "tag=by-hand"], ["shed-load", "tier=background"],
            ["restore-load", "tier=background"],
            ["break-restart-loop", "kernel=worker", "count=4"], ["diagnose-kernel", "kernel=api", "metric=open_fds"],
            [
                "learn-error-signature", "kernel=api",
                "line=2026-12-05 10:00:00.000 ERROR main: ledger shard 7 rejected the batch: quota exceeded",
            ],
            ["restart-agent"], ["rollback-config"],
        ])
    func byHand(_ arguments: [String]) async throws {
        let repo = try await Repository()
        defer { repo.grace.terminate() }
        // A revision known good, for rollback-config to go back to.
        _ = try await repo.grace.waitFor(["config.known_good", "revision="])
        let run = try await GraceBinary.run(
            ["playbook", "run", arguments[0]] + arguments.dropFirst().flatMap { ["--param", $0] }, in: repo.root,
            timeout: .seconds(300))
        #expect(run.status == 0, "\(arguments[0]): \(run.stdout)\n\(run.stderr)")
        _ = try await repo.grace.waitFor(["run.succeeded", "playbook=\(arguments[0])"])
        try await repo.shipped.finish()
    }

    @Test("playbook file corrupt: the running graph stays, the agent repairs, commits and reloads")
    func corruptPlaybook() async throws {
        let repo = try await Repository()
        defer { repo.grace.terminate() }
        let status = try await GraceBinary.run(["status", "--json"], in: repo.root)
        let graph = try #require(
            (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["configuration_hash"]
                as? String,
            "\(status.stdout)\(status.stderr)")
        let before = repo.grace.output.count - 1
        // A person's bad edit, committed: misspelt `timeout` keys in the steps of Playbooks/kernel.yaml.
        let file = repo.root.appendingPathComponent("Playbooks/kernel.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        let damaged = text.replacingOccurrences(of: "    timeout:", with: "    timout:")
        #expect(damaged != text)
        // Committed first, then checked out: the file changes on disk only once the bad commit exists, as when a
        // person pulls it, so that the agent's own commit never races the test's.
        let scratch = try GraceBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let blobFile = scratch.appendingPathComponent("kernel.yaml")
        try Data(damaged.utf8).write(to: blobFile)
        let index = ["GIT_INDEX_FILE=" + scratch.appendingPathComponent("index").path]
        let blob = try await Repository.git(["hash-object", "-w", blobFile.path], in: repo.root)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try await Repository.git(environment: index, ["read-tree", "HEAD"], in: repo.root)
        try await Repository.git(
            environment: index, ["update-index", "--cacheinfo", "100644,\(blob),Playbooks/kernel.yaml"], in: repo.root)
        let tree = try await Repository.git(environment: index, ["write-tree"], in: repo.root)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let bad = try await Repository.git(["commit-tree", tree, "-p", "HEAD", "-m", "a bad edit"], in: repo.root)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let start = ContinuousClock.now
        try await Repository.git(["reset", "-q", "--hard", bad], in: repo.root)
        let invalid = try await repo.grace.waitFor(["config.invalid", "file=Playbooks/kernel.yaml"], after: before)
        let watching = try await repo.grace.waitFor(
            ["agent.task", "type=fix_invalid", "state=watching", "reloaded"], after: invalid.index)
        let took = Repository.seconds(ContinuousClock.now - start)
        print("drill corrupt-playbook: damaging write to reloaded fix \(took) s")
        // The bad graph never ran: no reload applied between the damage and the fix.
        #expect(!repo.grace.output[invalid.index..<watching.index].contains { $0.contains("config.reloaded") })
        #expect(try String(contentsOf: file, encoding: .utf8) == text)
        let after = try await GraceBinary.run(["status", "--json"], in: repo.root)
        #expect(after.stdout.contains(graph))
        // The fix is a commit on top of the bad one, by the agent, naming its task and the diagnostic.
        #expect(try await repo.everyAgentCommitValidates() == 1)
        let head = try await Repository.git(["log", "-1", "--format=%an|%B"], in: repo.root)
        #expect(head.hasPrefix("Grace agent|agent: "), "\(head)")
        #expect(head.contains("Grace-Diagnostic: G106"))
        try await repo.shipped.finish()
    }

    @Test("kill -9 of the agent while it watches a change: restarted, the task resumes, nothing done twice")
    func killedAgent() async throws {
        let repo = try await Repository()
        defer { repo.grace.terminate() }
        let (watching, pid) = try await repo.agentWatchingAFix()
        #expect(kill(pid_t(pid), SIGKILL) == 0)
        let exited = try await repo.grace.waitFor(["kernel.exited", "kernel=grace-agent"], after: watching.index)
        _ = try await repo.grace.waitFor(["kernel.ready", "kernel=grace-agent"], after: exited.index)
        _ = try await repo.grace.waitFor(["agent.task", "kernel=api", "state=done"], after: exited.index)
        let show = try await GraceBinary.run(["agent", "show", "1"], in: repo.root)
        #expect(show.stdout.contains("task 1: diagnose, done (attempts 1)"), "\(show.stdout)")
        #expect(try await repo.everyAgentCommitValidates() == 1)
        try await repo.shipped.finish()
    }

    @Test("SIGSTOP of the agent while it watches a change: its watchdog fires within a heartbeat, the task resumes")
    func frozenAgent() async throws {
        let repo = try await Repository()
        defer { repo.grace.terminate() }
        let (watching, pid) = try await repo.agentWatchingAFix()
        #expect(kill(pid_t(pid), SIGSTOP) == 0)
        // The shipped `components.agent` heartbeat is 10 s: the watchdog is that period.
        let timeout = try await repo.grace.waitFor(
            ["kernel.watchdog_timeout", "kernel=grace-agent", "after_ms=10000"], after: watching.index)
        let restarted = try await repo.grace.waitFor(["kernel.ready", "kernel=grace-agent"], after: timeout.index)
        _ = try await repo.grace.waitFor(["agent.task", "kernel=api", "state=done"], after: restarted.index)
        #expect(try await repo.everyAgentCommitValidates() == 1)
        try await repo.shipped.finish()
    }
}
