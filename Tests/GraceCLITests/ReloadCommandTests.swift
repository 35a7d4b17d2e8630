import Foundation
import Testing

/// Hot reload as an operator does it: edit the YAML, `grace reload` (or just save: inotify).
@Suite("grace reload", .serialized, .timeLimit(.minutes(10)))
struct ReloadCommandTests {
    static let kernels = """
        kind: kernel
        name: steady
        command: [/bin/sleep, "1000"]
        ---
        kind: kernel
        name: edited
        command: [/bin/sleep, "1000"]
        ---
        kind: playbook
        name: heal
        params: {kernel: {type: kernel}}
        steps: [{restart: "{{ kernel }}"}]
        ---
        kind: trigger
        name: crashed
        when: {exit: "*"}
        run: heal
        with: {kernel: "{{ event.kernel }}"}
        """

    static func kernels(_ file: URL) -> URL { file.appendingPathComponent("config/kernels.yaml") }

    @Test("an invalid edit is refused while the old graph keeps healing; a valid edit restarts only the changed kernel")
    func reload() async throws {
        let dir = try RunCommandTests.configuration(Self.kernels)
        defer { try? FileManager.default.removeItem(at: dir) }
        // No policy restarts: only the healer brings kernels back.
        let noPolicy = Self.kernels.replacingOccurrences(
            of: "command: [/bin/sleep, \"1000\"]", with: "command: [/bin/sleep, \"1000\"]\nrestart: {policy: never}")
        try GraceBinary.write(noPolicy, to: Self.kernels(dir))
        let grace = try RunningGrace(arguments: [], in: dir)
        defer { grace.terminate() }
        let steady = try await grace.waitFor(["kernel.started", "kernel=steady"])
        _ = try await grace.waitFor(["kernel.started", "kernel=edited"])

        // 1. An invalid edit: refused, journaled, and the running graph still heals.
        try GraceBinary.write(noPolicy + "\ndepends_on: [ghost]\n", to: Self.kernels(dir))
        let refused = try await GraceBinary.run(["reload"], in: dir)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("error[G106]"))
        let invalid = try await grace.waitFor(["config.invalid"])
        let pid = try #require(RunningGrace.field("pid", in: steady.line).flatMap { Int32($0) })
        kill(pid, SIGKILL)
        _ = try await grace.waitFor(["trigger.fired", "trigger=crashed", "kernel=steady"], after: invalid.index)
        let healed = try await grace.waitFor(["kernel.started", "kernel=steady"], after: invalid.index)

        // 2. A valid edit of one kernel: only that one restarts.
        let edited = noPolicy.replacingOccurrences(
            of: "name: edited\ncommand: [/bin/sleep, \"1000\"]", with: "name: edited\ncommand: [/bin/sleep, \"2000\"]")
        try GraceBinary.write(edited, to: Self.kernels(dir))
        let ok = try await GraceBinary.run(["reload"], in: dir)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        let reloaded = try await grace.waitFor(["config.reloaded", "changed=kernel/edited"], after: healed.index)
        let after = grace.output.suffix(from: healed.index + 1)
        #expect(after.contains { $0.contains("kernel.stopped") && $0.contains("kernel=edited") })
        #expect(!after.contains { $0.contains("kernel.stopped") && $0.contains("kernel=steady") }, "steady untouched")
        _ = reloaded
    }

    @Test("grace reload without a running Grace says so and exits 2")
    func notRunning() async throws {
        let dir = try RunCommandTests.configuration(Self.kernels)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try await GraceBinary.run(["reload"], in: dir)
        #expect(out.status == 2)
        #expect(out.stderr.contains("not running"))
    }

    @Test("playbook run --dry-run prints the steps with parameters filled in")
    func dryRun() async throws {
        let out = try await GraceBinary.run(["playbook", "run", "restart-kernel", "--param", "kernel=api", "--dry-run"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("restart api"))
        let missing = try await GraceBinary.run(["playbook", "run", "restart-kernel", "--dry-run"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--param kernel="))
    }
}
