import Foundation
import Testing

/// `grace reexec` against the real binary: Grace replaces its image on the same pid and its kernels never notice.
@Suite("grace reexec", .serialized, .timeLimit(.minutes(10)))
struct ReexecCommandTests {
    /// `echoer` says a line whenever it gets SIGUSR1 (so the test knows when a line is written after the reexec);
    /// a trigger on that line proves it was captured and observed by the new image.
    static func configuration(port: Int) throws -> URL {
        let dir = try GraceBinary.temporaryDirectory()
        try GraceBinary.write(
            "kind: grace\nname: reexec-test\nstate_dir: var/grace\napi: {listen: \"127.0.0.1:\(port)\"}\n",
            to: dir.appendingPathComponent("config/grace.yaml"))
        try GraceBinary.write(
            """
            kind: kernel
            name: echoer
            command: [/bin/sh, -c, "trap 'echo said-after-reexec' USR1; echo said-before; while true; do sleep 1 & wait $!; done"]
            ---
            kind: kernel
            name: idle
            command: [/bin/sleep, "1000"]
            ---
            kind: playbook
            name: heard
            steps: [{notify: "heard echoer"}]
            ---
            kind: trigger
            name: echoed
            when: {log: "said-after-reexec", kernel: echoer}
            run: heard
            """, to: dir.appendingPathComponent("config/kernels.yaml"))
        return dir
    }

    /// The parent of `pid`, from /proc (nil when it is gone).
    static func parent(of pid: Int32) -> Int32? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    @Test("the same pid, the same kernels, still supervised, their output still captured, the API back")
    func reexecInPlace() async throws {
        let port = try GraceBinary.freePort()
        let dir = try Self.configuration(port: port)
        defer { try? FileManager.default.removeItem(at: dir) }
        let grace = try RunningGrace(arguments: [], in: dir)
        defer { grace.terminate() }
        let gracePID = grace.process.processIdentifier
        let echoerStarted = try await grace.waitFor(["kernel.started", "kernel=echoer"])
        let idleStarted = try await grace.waitFor(["kernel.started", "kernel=idle"])
        _ = try await grace.waitFor(["Server started and listening"])
        let echoer = try #require(RunningGrace.field("pid", in: echoerStarted.line).flatMap { Int32($0) })
        let idle = try #require(RunningGrace.field("pid", in: idleStarted.line).flatMap { Int32($0) })
        let before = grace.output.count - 1

        let reexec = try await GraceBinary.run(["reexec"], in: dir)
        #expect(reexec.status == 0, "\(reexec.stdout)\(reexec.stderr)")
        #expect(reexec.stdout.contains("pid=\(gracePID) generation=1"), "\(reexec.stdout)")
        let adopted = try await grace.waitFor(["grace.reexec"], after: before)
        #expect(RunningGrace.field("generation", in: adopted.line) == "1")
        #expect(RunningGrace.field("adopted", in: adopted.line) == "echoer,idle")
        #expect(RunningGrace.field("handoff_ms", in: adopted.line).flatMap { Int($0) } != nil)
        print("grace reexec: \(reexec.stdout.trimmingCharacters(in: .whitespacesAndNewlines)); \(adopted.line)")

        // Grace's pid and the kernels' pids are unchanged, and the kernels are still Grace's children.
        #expect(grace.process.isRunning)
        #expect(Self.parent(of: echoer) == gracePID)
        #expect(Self.parent(of: idle) == gracePID)
        let restarted = grace.output[(before + 1)...].contains { $0.contains("kernel.started") }
        #expect(!restarted, "no kernel was started again by the reexec")

        // The API answers again (the new image bound the port anew).
        let status = try await GraceBinary.run(["status", "--api", "http://127.0.0.1:\(port)"], in: dir)
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")

        // Output written after the reexec is captured and observed: the trigger on it fires.
        kill(echoer, SIGUSR1)
        _ = try await grace.waitFor(["trigger.fired", "trigger=echoed"], after: adopted.index)

        // Still supervised: a SIGKILLed kernel is noticed by the new image and restarted.
        kill(idle, SIGKILL)
        let exited = try await grace.waitFor(["kernel.exited", "kernel=idle", "pid=\(idle)"], after: adopted.index)
        #expect(exited.line.contains("signal=SIGKILL"))
        let again = try await grace.waitFor(["kernel.started", "kernel=idle"], after: exited.index)
        #expect(RunningGrace.field("pid", in: again.line) != String(idle))

        let stopped = await grace.stop()
        #expect(stopped == 0)
        let log = try String(contentsOf: dir.appendingPathComponent("var/grace/logs/echoer.log"), encoding: .utf8)
        #expect(log.contains("said-before"))
        #expect(log.contains("said-after-reexec"))
        let journal = try await GraceBinary.run(["journal", "show"], in: dir)
        #expect(journal.stdout.contains("grace.reexec"), "\(journal.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("var/grace/reexec.json").path))
    }

    @Test("--executable runs the given grace (the upgrade path), which adopts the kernels as generation 1")
    func upgrade() async throws {
        let dir = try Self.configuration(port: try GraceBinary.freePort())
        defer { try? FileManager.default.removeItem(at: dir) }
        let grace = try RunningGrace(arguments: [], in: dir)
        defer { grace.terminate() }
        let echoerStarted = try await grace.waitFor(["kernel.started", "kernel=echoer"])
        _ = try await grace.waitFor(["kernel.started", "kernel=idle"])
        let echoer = try #require(RunningGrace.field("pid", in: echoerStarted.line).flatMap { Int32($0) })
        let before = grace.output.count - 1
        let executable = URL(fileURLWithPath: GraceBinary.path).standardizedFileURL.path
        let reexec = try await GraceBinary.run(["reexec", "--executable", executable], in: dir)
        #expect(reexec.status == 0, "\(reexec.stdout)\(reexec.stderr)")
        let adopted = try await grace.waitFor(["grace.reexec"], after: before)
        #expect(RunningGrace.field("executable", in: adopted.line) == executable)
        #expect(RunningGrace.field("adopted", in: adopted.line) == "echoer,idle")
        #expect(Self.parent(of: echoer) == grace.process.processIdentifier)
        let missing = try await GraceBinary.run(["reexec", "--executable", "/nonexistent/grace"], in: dir)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("not an executable file"))
    }

    @Test("grace reexec without a running Grace says so and exits 2")
    func notRunning() async throws {
        let dir = try Self.configuration(port: try GraceBinary.freePort())
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try await GraceBinary.run(["reexec"], in: dir)
        #expect(out.status == 2)
        #expect(out.stderr.contains("not running"))
    }
}
