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

    @Test("an orphaned grandchild is reaped by Grace, the child subreaper")
    func orphanReaped() async throws {
        let script = "sh -c 'sleep 0.5 & echo $! > gc.pid'; exec sleep 1000"
        let dir = try Self.configuration("kind: kernel\nname: parent\ncommand: [/bin/sh, -c, \"\(script)\"]\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let grace = try RunningGrace(arguments: [], in: dir)
        defer { grace.terminate() }
        _ = try await grace.waitFor(["kernel.started", "kernel=parent"])
        let pidFile = dir.appendingPathComponent("gc.pid")
        // The pid file appears within the kernel's first instants; bounded wait for it and for the reaping.
        let deadline = Date().addingTimeInterval(10)
        var orphan: Int32?
        while Date() < deadline, orphan == nil {
            orphan = (try? String(contentsOf: pidFile, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if orphan == nil { usleep(10_000) }
        }
        let gc = try #require(orphan)
        let stat = "/proc/\(gc)/stat"
        // Its parent is Grace now, not init.
        if let text = try? String(contentsOfFile: stat, encoding: .utf8), let close = text.lastIndex(of: ")") {
            let fields = text[text.index(after: close)...].split(separator: " ")
            #expect(fields.count > 1 && Int32(fields[1]) == grace.process.processIdentifier)
        }
        while Date() < deadline, FileManager.default.fileExists(atPath: stat) { usleep(20_000) }
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
        let out = try await GraceBinary.run(["run"])
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
        kill(Int32(RunningGrace.field("pid", in: started.line) ?? "") ?? 0, SIGKILL)
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
