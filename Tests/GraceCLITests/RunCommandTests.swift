import Foundation
import TestSupport
import Testing

/// `grace run` as an operator runs it, with real kernels, real signals and the real journal.
@Suite("grace run", .serialized, .timeLimit(.minutes(10)))
struct RunCommandTests {
    static func configuration(_ kernels: String) throws -> URL {
        let dir = try GraceBinary.temporaryDirectory()
        try GraceBinary.write(
            "kind: grace\nname: run-test\nstate_dir: var/grace\n", to: dir.appendingPathComponent("config/grace.yaml"))
        try GraceBinary.write(kernels, to: dir.appendingPathComponent("config/kernels.yaml"))
        return dir
    }

    @Test("kill -9 of a kernel is followed by a new pid, in the log and the journal")
    func killedKernel() async throws {
        let dir = try Self.configuration("kind: kernel\nname: svc\ncommand: [/bin/sleep, \"1000\"]\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let grace = try RunningGrace(arguments: [], in: dir)
        defer { grace.terminate() }
        let first = try await grace.waitFor(["kernel.started", "kernel=svc"])
        let pid = try #require(RunningGrace.field("pid", in: first.line).flatMap { Int32($0) })
        kill(pid, SIGKILL)
        let exited = try await grace.waitFor(["kernel.exited", "kernel=svc"], after: first.index)
        #expect(exited.line.contains("signal=SIGKILL"))
        let second = try await grace.waitFor(["kernel.started", "kernel=svc"], after: exited.index)
        #expect(RunningGrace.field("pid", in: second.line) != String(pid))
        let status = await grace.stop()
        #expect(status == 0)
        let show = try await GraceBinary.run(["journal", "show", "--kernel", "svc"], in: dir)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("kernel.exited"))
        #expect(show.stdout.components(separatedBy: "kernel.started").count == 3)
    }

    @Test("a second grace run on the same state directory is refused and changes nothing")
    func secondGraceRefused() async throws {
        let dir = try Self.configuration("kind: kernel\nname: svc\ncommand: [/bin/sleep, \"1000\"]\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try RunningGrace(arguments: [], in: dir)
        defer { first.terminate() }
        let started = try #require(await first.waitFor(["kernel.started", "kernel=svc"]))
        let pid = try #require(RunningGrace.field("pid", in: started.line).flatMap { Int32($0) })
        let second = try await GraceBinary.run(["run"], in: dir)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another Grace (pid \(first.process.processIdentifier))"), "\(second.stderr)")
        #expect(second.stderr.contains("var/grace"))
        // The first one's kernel lives on, and its journal has nothing from the second.
        #expect(kill(pid, 0) == 0, "the first Grace's kernel must still run")
        let status = await first.stop()
        #expect(status == 0)
        let show = try await GraceBinary.run(["journal", "show"], in: dir)
        #expect(!show.stdout.contains("kernel.leftover"), "\(show.stdout)")
        #expect(show.stdout.components(separatedBy: "grace.started").count == 2, "one Grace started, once")
    }

    @Test("an orphaned grandchild is reaped by Grace, the child subreaper")
    func orphanReaped() async throws {
        // The grandchild is orphaned at once (the shell that started it exits) and lives until the test creates
        // `go`: its parent is checked while it surely runs, then it ends and must be reaped, not left a zombie.
        let script = "sh -c 'while [ ! -e go ]; do sleep 0.05; done & echo $! > gc.pid'; exec sleep 1000"
        let dir = try Self.configuration("kind: kernel\nname: parent\ncommand: [/bin/sh, -c, \"\(script)\"]\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let grace = try RunningGrace(arguments: [], in: dir)
        defer { grace.terminate() }
        _ = try await grace.waitFor(["kernel.started", "kernel=parent"])
        // Nothing tells when the pid file is written or the orphan reaped: look until then, within the bound.
        let pidFile = dir.appendingPathComponent("gc.pid")
        let deadline = ContinuousClock.now + TestWait.standard
        var orphan: Int32?
        while ContinuousClock.now < deadline, orphan == nil {
            orphan = (try? String(contentsOf: pidFile, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if orphan == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let gc = try #require(orphan, "the kernel never wrote gc.pid")
        let stat = "/proc/\(gc)/stat"
        // Its parent is Grace now, not init.
        let text = try String(contentsOfFile: stat, encoding: .utf8)
        let close = try #require(text.lastIndex(of: ")"), "\(text)")
        let fields = text[text.index(after: close)...].split(separator: " ")
        #expect(fields.count > 1 && Int32(fields[1]) == grace.process.processIdentifier, "\(text)")
        #expect(FileManager.default.createFile(atPath: dir.appendingPathComponent("go").path, contents: nil))
        while ContinuousClock.now < deadline, FileManager.default.fileExists(atPath: stat) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!FileManager.default.fileExists(atPath: stat), "the orphan is gone, not a zombie")
    }

    @Test("the journal survives kill -9 of Grace, and the next Grace stops the leftover kernel and starts anew")
    func crashOfGrace() async throws {
        let dir = try Self.configuration("kind: kernel\nname: svc\ncommand: [/bin/sleep, \"1000\"]\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try RunningGrace(arguments: [], in: dir)
        defer { first.terminate() }  // killed below; this only matters when a wait before that fails
        let started = try await first.waitFor(["kernel.started", "kernel=svc"])
        let pid = try #require(RunningGrace.field("pid", in: started.line).flatMap { Int32($0) })
        await first.kill9()
        #expect(kill(pid, 0) == 0, "the kernel outlived Grace")
        let verify = try await GraceBinary.run(["journal", "verify"], in: dir)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let show = try await GraceBinary.run(["journal", "show", "--kind", "kernel.started"], in: dir)
        #expect(show.stdout.contains("pid=\(pid)"))

        let second = try RunningGrace(arguments: [], in: dir)
        defer { second.terminate() }
        _ = try await second.waitFor(["kernel.leftover_found", "pid=\(pid)"])
        let stopped = try await second.waitFor(["kernel.leftover_stopped", "pid=\(pid)"])
        let restarted = try await second.waitFor(["kernel.started", "kernel=svc"], after: stopped.index)
        #expect(RunningGrace.field("pid", in: restarted.line) != String(pid))
        #expect(Self.isGone(pid), "the leftover is gone")
        await second.stop()
        let again = try await GraceBinary.run(["journal", "verify"], in: dir)
        #expect(again.status == 0)
    }

    /// Gone, or a zombie waiting for an init that reaps late (it is no longer Grace's child to reap).
    static func isGone(_ pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return true }
        return text[text.index(after: close)...].split(separator: " ").first == "Z"
    }

    @Test("a configuration this build cannot fully run is refused with a clear message")
    func refusesUnsupported() async throws {
        let dir = try Self.configuration(
            "kind: kernel\nname: svc\ncommand: [/bin/sleep, \"1000\"]\nhealth: {http: \"https://127.0.0.1:1/\"}\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try await GraceBinary.run(["run"], in: dir)
        #expect(out.status == 1)
        #expect(out.stderr.contains("cannot run everything"))
        #expect(out.stderr.contains("--allow-partial"))
    }

    @Test("a configuration with errors starts nothing")
    func refusesErrors() async throws {
        let dir = try Self.configuration(
            "kind: kernel\nname: svc\ncommand: [/bin/sleep, \"1000\"]\ndepends_on: [nope]\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try await GraceBinary.run(["run"], in: dir)
        #expect(out.status == 1)
        #expect(out.stderr.contains("G201"))
        #expect(out.stderr.contains("nothing was started"))
    }
}

/// Runs interrupted by a crash of Grace are retried by the next Grace, and the journal says which.
@Suite("Interrupted runs", .serialized, .timeLimit(.minutes(10)))
struct InterruptedRunTests {
    @Test("a playbook run interrupted by kill -9 of Grace is retried by the next Grace")
    func retried() async throws {
        let yaml = """
            kind: kernel
            name: svc
            command: [/bin/sleep, "1000"]
            restart: {policy: never}
            ---
            kind: playbook
            name: slow-heal
            params: {kernel: {type: kernel}}
            steps:
              - wait: 2s
              - restart: "{{ kernel }}"
            ---
            kind: trigger
            name: crashed
            when: {exit: svc}
            run: slow-heal
            with: {kernel: svc}
            """
        let dir = try RunCommandTests.configuration(yaml)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try RunningGrace(arguments: [], in: dir)
        defer { first.terminate() }  // killed below; this only matters when a wait before that fails
        let started = try await first.waitFor(["kernel.started", "kernel=svc"])
        // Never kill(0, ...): that would be this test's own process group.
        kill(try #require(RunningGrace.field("pid", in: started.line).flatMap { Int32($0) }), SIGKILL)
        let step = try await first.waitFor(["step.started", "action=wait"])
        let run = try #require(RunningGrace.field("run", in: step.line))
        await first.kill9()

        let second = try RunningGrace(arguments: [], in: dir)
        defer { second.terminate() }
        _ = try await second.waitFor(["run.interrupted", "run=\(run)"])
        _ = try await second.waitFor(["run.succeeded", "run=\(run)-retry"])
        let journal = try await GraceBinary.run(["journal", "show", "--kind", "run.interrupted"], in: dir)
        #expect(journal.stdout.contains(run))
    }
}
