import Foundation
import TestSupport
import Testing

/// `grace replay` over the history a real Grace recorded: the configuration that ran decides exactly what was
/// decided then, and a raised threshold or a longer window shows the runs that would no longer start.
@Suite("Replay of recorded history", .serialized, .timeLimit(.minutes(10)))
struct ReplayDrillTests {
    /// `grace replay ARGS --json` in `root`, as an object.
    static func replay(_ arguments: [String], in root: URL) async throws -> [String: Any] {
        let run = try await GraceBinary.run(["replay", "--json"] + arguments, in: root)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
    }

    /// The row of `trigger` in a replay report.
    static func row(_ report: [String: Any], _ trigger: String) -> [String: Any]? {
        (report["triggers"] as? [[String: Any]])?.first { $0["trigger"] as? String == trigger }
    }

    /// A copy of the configuration root's config/ with one trigger condition rewritten.
    static func variant(of root: URL, replacing old: String, with new: String) throws -> URL {
        let copy = try GraceBinary.temporaryDirectory()
        try FileManager.default.createDirectory(
            at: copy.appendingPathComponent("config"), withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("config").path) {
            let text = try String(contentsOf: root.appendingPathComponent("config/\(name)"), encoding: .utf8)
            try (old.isEmpty ? text : text.replacingOccurrences(of: old, with: new)).write(
                to: copy.appendingPathComponent("config/\(name)"), atomically: true, encoding: .utf8)
        }
        try FileManager.default.copyItem(
            at: root.appendingPathComponent("Playbooks"), to: copy.appendingPathComponent("Playbooks"))
        let triggers = try String(contentsOf: copy.appendingPathComponent("config/triggers.yaml"), encoding: .utf8)
        #expect(new.isEmpty || triggers.contains(new), "the variant did not change the trigger")
        return copy
    }

    @Test("a crash and a memory incident: the same configuration replays identically; a changed trigger differs")
    func crashAndMemory() async throws {
        let shipped = try await HealingScenarioTests.Shipped()
        defer { shipped.grace.terminate() }
        // The configuration as it runs now: the coding agent may tune api's threshold after the memory incident
        // (its `tune` intent), and the replay is of what ran.
        let ran = try Self.variant(of: shipped.root, replacing: "", with: "")
        defer { try? FileManager.default.removeItem(at: ran) }
        let before = shipped.grace.output.count - 1
        try await shipped.inject("crash", into: "api", query: "how=exit&code=3")
        let exited = try await shipped.grace.waitFor(["kernel.exited", "kernel=api", "code=3"], after: before)
        let crashed = try await shipped.grace.waitFor(
            ["run.succeeded", "playbook=heal-crashed-kernel"], after: exited.index)
        try await shipped.inject("leak", into: "api", query: "mb=16&every=100ms&max=220")
        // The run restarts api and waits until it is healthy again before it succeeds.
        _ = try await shipped.grace.waitFor(
            ["run.succeeded", "playbook=relieve-memory-pressure"], after: crashed.index)
        // Stopped, so that everything it observed is in the history (it is written once a second).
        #expect(await shipped.grace.stop() == 0)

        let same = try await Self.replay(["--from", "1h", "--config", ran.path], in: shipped.root)
        #expect(same["identical"] as? Bool == true, "\(same)")
        let memory = try #require(Self.row(same, "api-memory-pressure"), "\(same)")
        #expect(memory["runsThen"] as? Int == 1 && memory["runsNow"] as? Int == 1)
        // As many runs as Grace started: one for the crash, and one more when api exited again unasked within
        // the trigger's 5 s `coalesce` (a restart killed on a slow machine), which runs when the window ends.
        let crashRuns = shipped.grace.output.filter {
            $0.contains("run.started") && $0.contains("trigger=kernel-crashed")
        }.count
        let crash = try #require(Self.row(same, "kernel-crashed"), "\(same)")
        #expect(crashRuns >= 1)
        #expect(crash["runsThen"] as? Int == crashRuns && crash["runsNow"] as? Int == crashRuns, "\(crash)")

        let original = "{metric: memory_rss, kernel: api, above: 160MiB, for: 20s}"
        for changed in [
            "{metric: memory_rss, kernel: api, above: 1GiB, for: 20s}",
            "{metric: memory_rss, kernel: api, above: 160MiB, for: 30m}",
        ] {
            let variant = try Self.variant(of: ran, replacing: original, with: changed)
            defer { try? FileManager.default.removeItem(at: variant) }
            let report = try await Self.replay(["--from", "1h", "--config", variant.path], in: shipped.root)
            #expect(report["identical"] as? Bool == false)
            let row = try #require(Self.row(report, "api-memory-pressure"), "\(report)")
            #expect(row["runsThen"] as? Int == 1 && row["runsNow"] as? Int == 0, "\(changed): \(row)")
            #expect(row["firstDifference"] is String)
            let changes = report["changes"] as? [[String: Any]] ?? []
            #expect(
                changes.contains {
                    $0["trigger"] as? String == "api-memory-pressure"
                        && $0["change"] as? String == "would no longer start"
                }, "\(changes)")
            // The crash was decided as before.
            #expect(Self.row(report, "kernel-crashed")?["firstDifference"] == nil)
        }
        // `grace plan A..B --replay` shows the same difference between two revisions of the configuration.
        let git = { (arguments: [String]) in
            let run = try await GraceBinary.runTool(
                "/usr/bin/git", ["-c", "user.name=op", "-c", "user.email=op@example.com"] + arguments, in: shipped.root)
            #expect(run.status == 0, "git \(arguments): \(run.stderr)")
        }
        try "var/\n".write(to: shipped.root.appendingPathComponent(".gitignore"), atomically: true, encoding: .utf8)
        for directory in ["config", "Playbooks"] {
            try FileManager.default.removeItem(at: shipped.root.appendingPathComponent(directory))
            try FileManager.default.copyItem(
                at: ran.appendingPathComponent(directory), to: shipped.root.appendingPathComponent(directory))
        }
        try await git(["init", "-q"])
        try await git(["add", "-A"])
        try await git(["commit", "-qm", "as it ran"])
        let triggers = shipped.root.appendingPathComponent("config/triggers.yaml")
        try String(contentsOf: triggers, encoding: .utf8)
            .replacingOccurrences(of: original, with: "{metric: memory_rss, kernel: api, above: 1GiB, for: 20s}")
            .write(to: triggers, atomically: true, encoding: .utf8)
        try await git(["commit", "-qam", "raise api's memory threshold"])
        let plan = try await GraceBinary.run(
            ["plan", "HEAD~1..HEAD", "--replay", "1h", "--format", "json"], in: shipped.root)
        #expect(plan.status == 0, "\(plan.stderr)")
        let planned = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        #expect((planned["changed"] as? [String])?.contains("trigger/api-memory-pressure") == true, "\(planned)")
        let replayed = try #require(planned["replay"] as? [String: Any], "\(planned)")
        let row = try #require(Self.row(replayed, "api-memory-pressure"), "\(replayed)")
        #expect(row["runsThen"] as? Int == 1 && row["runsNow"] as? Int == 0, "\(row)")
        let text = try await GraceBinary.run(["plan", "HEAD~1..HEAD", "--replay", "1h"], in: shipped.root)
        #expect(text.stdout.contains("`api-memory-pressure` would have fired 0 times instead of 1"), "\(text.stdout)")

        // Each stretch with the configuration that ran then, found in the git history by its hash: the same as then.
        let asRan = try await Self.replay(["--from", "1h", "--as-ran"], in: shipped.root)
        #expect(asRan["identical"] as? Bool == true, "\(asRan)")

        let verify = try await GraceBinary.run(["journal", "verify"], in: shipped.root)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        try? FileManager.default.removeItem(at: shipped.root)
    }
}
