import Foundation
import GraceDSL
import TestSupport
import Testing

@testable import Interpreter

/// The playbook executor against a simulated machine and a manual clock.
@Suite("Playbook executor", .timeLimit(.minutes(5)))
struct PlaybookExecutorTests {
    static func graph(_ yaml: String) throws -> ExecutionGraph {
        let base = """
            kind: kernel
            name: api
            command: [/bin/true]
            ---
            kind: kernel
            name: store
            command: [/bin/true]
            ---

            """
        let result = Compiler(options: CompilerOptions(checkExecutables: false))
            .compile([SourceFile(path: "p.yaml", text: base + yaml)])
        return try #require(result.graph, "\(result.diagnostics.map { "\($0.code.rawValue) \($0.message)" })")
    }

    struct Setup {
        /// What the journal recorded and what the machine did, in one order.
        let log = OrderedLog()
        let machine: SimulatedMachine
        let journal: RecordingJournal
        let clock = ManualClock()
        let executor: PlaybookExecutor<ManualClock>

        init(_ graph: ExecutionGraph) {
            machine = SimulatedMachine(log: log)
            journal = RecordingJournal(log: log)
            executor = PlaybookExecutor(graph: graph, performer: machine, journal: journal, clock: clock)
        }

        /// Runs a playbook to its end; a run that never ends (waiting on a clock nobody advances) fails the test
        /// instead of hanging it.
        func run(
            _ playbook: String, arguments: [String: String], runID: String? = nil,
            sourceLocation: Testing.SourceLocation = #_sourceLocation
        ) async throws -> PlaybookOutcome {
            let executor = executor
            return try await require("the run of \(playbook) to end", sourceLocation: sourceLocation) {
                await executor.run(playbook, arguments: arguments, runID: runID)
            }
        }
    }

    static let restartKernel = """
        kind: playbook
        name: restart-kernel
        manual: true
        params: {kernel: {type: kernel}, reason: {type: string, default: "crash"}}
        steps:
          - name: restart
            restart: "{{ kernel }}"
          - wait_healthy: "{{ kernel }}"
            timeout: 20s
          - notify: "restarted {{ kernel }} after {{ reason }} (run {{ run.id }})"
        """

    @Test("steps run in order with parameters and defaults rendered, and every step is journaled first")
    func order() async throws {
        let s = Setup(try Self.graph(Self.restartKernel))
        let outcome = try await s.run("restart-kernel", arguments: ["kernel": "api"], runID: "r1")
        #expect(outcome.succeeded)
        #expect(
            s.machine.summaries == [
                "restart api", "wait until api is healthy", "notify (info): restarted api after crash (run r1)",
            ])
        // Journal-first: each step's start is recorded before its action is performed, its end after.
        #expect(
            s.log.all == [
                "journal run.started",
                "journal step.started 0", "perform restart api", "journal step.succeeded 0",
                "journal step.started 1", "perform wait until api is healthy", "journal step.succeeded 1",
                "journal step.started 2", "perform notify (info): restarted api after crash (run r1)",
                "journal step.succeeded 2",
                "journal run.succeeded",
            ])
    }

    @Test("a failing step is retried with exponential backoff on the clock")
    func retry() async throws {
        let yaml = """
            kind: playbook
            name: flaky
            manual: true
            steps:
              - exec: [/bin/check]
                retry: {attempts: 3, delay: 2s, backoff: 2}
            """
        let s = Setup(try Self.graph(yaml))
        s.machine.fail("exec /bin/check", times: 2)
        let task = Task { await s.executor.run("flaky", arguments: [:]) }
        try await s.clock.waitForSleepers()
        #expect(s.machine.performed.count == 1)
        s.clock.advance(by: .seconds(2))
        try await s.clock.waitForSleepers()
        #expect(s.machine.performed.count == 2)
        s.clock.advance(by: .seconds(3))
        #expect(s.machine.performed.count == 2, "second delay is 4 s")
        s.clock.advance(by: .seconds(1))
        let outcome = try await task.value("the run to end")
        #expect(outcome.succeeded)
        #expect(s.machine.performed.count == 3)
        #expect(s.journal.kinds.filter { $0 == "step.failed" }.count == 2)
    }

    @Test("a step that runs past its timeout fails")
    func timeout() async throws {
        let s = Setup(try Self.graph(Self.restartKernel))
        s.machine.fail("restart api", times: 1)  // restart fails: api never becomes healthy
        let outcome = try await s.run("restart-kernel", arguments: ["kernel": "api"])
        #expect(!outcome.succeeded)
        #expect(outcome.error?.contains("restart") == true)

        let yaml = """
            kind: playbook
            name: waits
            manual: true
            steps:
              - wait_healthy: store
                timeout: 5s
            """
        let t = Setup(try Self.graph(yaml))
        let task = Task { await t.executor.run("waits", arguments: [:]) }
        try await t.clock.waitForSleepers()
        t.clock.advance(by: .seconds(5))
        let late = try await task.value("the run to end")
        #expect(!late.succeeded)
        #expect(late.error?.contains("timed out after 5s") == true)
    }

    @Test("on failure, completed steps are undone in reverse order, then the run escalates")
    func undoAndEscalate() async throws {
        let yaml = """
            kind: playbook
            name: fix-data
            params: {kernel: {type: kernel}}
            steps:
              - name: stop
                stop: "{{ kernel }}"
                undo: {start: "{{ kernel }}"}
              - name: shed
                shed_load: background
                undo: {restore_load: background}
              - name: restore
                restore: "{{ kernel }}"
            on_failure: page
            manual: true
            ---
            kind: playbook
            name: page
            params: {kernel: {type: kernel, default: api}}
            steps: [{notify: "{{ kernel }} could not be fixed", severity: critical}]
            """
        let s = Setup(try Self.graph(yaml))
        s.machine.fail("restore store")
        let outcome = try await s.run("fix-data", arguments: ["kernel": "store"])
        #expect(!outcome.succeeded)
        #expect(
            s.machine.summaries == [
                "stop store", "shed background load", "restore store from last_good",
                "restore background load", "start store",
                "notify (critical): store could not be fixed",
            ])
        #expect(outcome.escalation.first?.playbook == "page")
        #expect(outcome.escalation.first?.succeeded == true)
        #expect(s.journal.kinds.contains("run.escalated"))
    }

    @Test("if conditions skip steps; step status conditions see earlier steps")
    func conditions() async throws {
        let yaml = """
            kind: playbook
            name: careful
            manual: true
            params: {kernel: {type: kernel}}
            steps:
              - name: probe
                exec: [/bin/probe]
                continue_on_error: true
              - restart: "{{ kernel }}"
                if: {step: probe, status: failed}
              - notify: "healthy already"
                if: {healthy: "{{ kernel }}"}
              - notify: "file there"
                if: {all: [{file_exists: /exists/x}, {not: {equals: ["{{ kernel }}", store]}}]}
            """
        let s = Setup(try Self.graph(yaml))
        s.machine.fail("exec /bin/probe")
        let outcome = try await s.run("careful", arguments: ["kernel": "api"])
        #expect(outcome.succeeded)
        #expect(
            s.machine.summaries == [
                "exec /bin/probe (expect exit 0)", "restart api", "notify (info): healthy already",
                "notify (info): file there",
            ])
    }

    @Test("call runs another playbook with its arguments, inside the same run's locks")
    func call() async throws {
        let yaml =
            Self.restartKernel + """

                ---
                kind: playbook
                name: outer
                manual: true
                steps:
                  - call: restart-kernel
                    with: {kernel: store, reason: test}
                """
        let s = Setup(try Self.graph(yaml))
        let outcome = try await s.run("outer", arguments: [:])
        #expect(outcome.succeeded)
        #expect(s.machine.summaries.first == "restart store")
        let started = s.journal.all.compactMap { r -> String? in
            if case .runStarted(_, let p, _, _, let parent) = r { return "\(p)<\(parent == nil ? "-" : "parent")" }
            return nil
        }
        #expect(started == ["outer<-", "restart-kernel<parent"])
    }

    @Test("success criteria: the kernel must be healthy within the window")
    func success() async throws {
        let yaml = """
            kind: playbook
            name: bounce
            manual: true
            steps: [{pause: api}, {resume: api}]
            success: {healthy: [api], within: 10s}
            """
        let s = Setup(try Self.graph(yaml))
        let task = Task { await s.executor.run("bounce", arguments: [:]) }
        try await s.clock.waitForSleepers(2)
        s.clock.advance(by: .seconds(10))
        let outcome = try await task.value("the run to end")
        #expect(!outcome.succeeded)
        #expect(outcome.error?.contains("success criteria") == true)
        let t = Setup(try Self.graph(yaml))
        t.machine.setHealthy("api")
        #expect(try await t.run("bounce", arguments: [:]).succeeded)
    }

    @Test("two runs on one kernel take turns; runs on different kernels overlap")
    func locks() async throws {
        let yaml = """
            kind: playbook
            name: slow
            manual: true
            params: {kernel: {type: kernel}}
            steps: [{restart: "{{ kernel }}"}, {wait: 10s}]
            """
        let s = Setup(try Self.graph(yaml))
        let a = Task { await s.executor.run("slow", arguments: ["kernel": "api"], runID: "a") }
        try await s.clock.waitForSleepers(1)
        let b = Task { await s.executor.run("slow", arguments: ["kernel": "api"], runID: "b") }
        let c = Task { await s.executor.run("slow", arguments: ["kernel": "store"], runID: "c") }
        try await s.clock.waitForSleepers(2)
        #expect(s.machine.summaries.filter { $0 == "restart api" }.count == 1, "b waits for a's lock")
        #expect(s.machine.summaries.contains("restart store"), "c runs alongside")
        s.clock.advance(by: .seconds(10))
        _ = try await a.value("run a to end")
        _ = try await c.value("run c to end")
        try await s.clock.waitForSleepers(1)
        #expect(s.machine.summaries.filter { $0 == "restart api" }.count == 2)
        s.clock.advance(by: .seconds(10))
        _ = try await b.value("run b to end")
    }

    @Test("a dry run says what would happen and touches nothing")
    func dryRun() throws {
        let s = Setup(try Self.graph(Self.restartKernel))
        let lines = s.executor.dryRun("restart-kernel", arguments: ["kernel": "api"])
        #expect(lines.first == "1. restart: restart api")
        #expect(lines[1].contains("wait until api is healthy [timeout 20s]"))
        #expect(s.machine.performed.isEmpty)
    }
}
