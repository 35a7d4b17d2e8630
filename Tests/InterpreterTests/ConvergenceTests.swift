import Foundation
import GraceDSL
import TestSupport
import Testing

@testable import Interpreter

/// Healing that converges: a failed run brings back what it took down, and a run that addresses the failure's
/// cause goes before a routine one (it preempts it, or the routine one does not begin).
@Suite("Runs that converge", .timeLimit(.minutes(5)))
struct ConvergenceTests {
    typealias Setup = PlaybookExecutorTests.Setup

    static let playbooks = """
        kind: playbook
        name: hold-and-restore
        manual: true
        params: {kernel: {type: kernel}}
        steps:
          - name: hold
            stop: "{{ kernel }}"
          - name: freeze-api
            pause: api
          - name: restore-data
            restore: "{{ kernel }}"
            from: last_good
        ---
        kind: playbook
        name: hold-for-good
        manual: true
        steps:
          - name: hold
            stop: store
            stays_down: true
          - name: restore-data
            restore: store
            from: last_good
        ---
        kind: playbook
        name: slow-hold
        manual: true
        timeout: 10s
        steps:
          - name: hold
            stop: store
          - wait: 1m
        ---
        kind: playbook
        name: restart-and-watch
        params: {kernel: {type: kernel}}
        steps:
          - name: restart
            restart: "{{ kernel }}"
          - name: watch
            wait: 1m
        on_failure: tell
        ---
        kind: playbook
        name: restore-store
        params: {kernel: {type: kernel}}
        steps:
          - name: hold
            stop: "{{ kernel }}"
          - name: restore
            restore: "{{ kernel }}"
            from: last_good
          - name: settle
            wait: 30s
          - name: start
            start: "{{ kernel }}"
        ---
        kind: playbook
        name: tell
        params: {kernel: {type: kernel}}
        steps:
          - notify: "{{ kernel }} is still down"
        ---
        kind: trigger
        name: store-unhealthy
        when: {exit: store}
        run: restart-and-watch
        with: {kernel: store}
        ---
        kind: trigger
        name: store-data-drift
        when:
          all:
            - {file: var/store/data.db, kernel: store}
            - {exit: store}
          within: 1m
        run: restore-store
        with: {kernel: store}
        """

    @Test("a failed run starts and resumes what it took down, most recent first, journaled as undos")
    func failedRunBringsBack() async throws {
        let s = Setup(try PlaybookExecutorTests.graph(Self.playbooks))
        s.machine.fail("restore store")
        let outcome = try await s.run("hold-and-restore", arguments: ["kernel": "store"], runID: "r1")
        #expect(!outcome.succeeded)
        #expect(
            s.machine.summaries == [
                "stop store", "pause api (SIGSTOP)", "restore store from last_good", "resume api (SIGCONT)",
                "start store",
            ])
        let undos = s.journal.all.compactMap { event -> String? in
            guard case .undoStarted(_, _, let name, let action) = event else { return nil }
            return "\(name) \(action)"
        }
        #expect(undos == ["freeze-api resume", "hold start"])
        // Journal first: each undo is recorded before it acts, and the run fails after.
        #expect(
            s.log.all.suffix(7) == [
                "journal undo.started 1", "perform resume api (SIGCONT)", "journal undo.finished 1",
                "journal undo.started 0", "perform start store", "journal undo.finished 0", "journal run.failed",
            ])
        #expect(s.journal.kinds.last == "run.failed")
    }

    @Test("a stop with stays_down: true stays down when the run fails")
    func staysDown() async throws {
        let s = Setup(try PlaybookExecutorTests.graph(Self.playbooks))
        s.machine.fail("restore store")
        let outcome = try await s.run("hold-for-good", arguments: [:])
        #expect(!outcome.succeeded)
        #expect(s.machine.summaries == ["stop store", "restore store from last_good"])
        #expect(!s.journal.kinds.contains("undo.started"))
    }

    @Test("a run that times out brings back what it stopped")
    func timeoutBringsBack() async throws {
        let s = Setup(try PlaybookExecutorTests.graph(Self.playbooks))
        let executor = s.executor
        let run = Task { await executor.run("slow-hold", arguments: [:]) }
        try await s.clock.waitForSleepers(2)  // the playbook's timeout and its `wait: 1m`
        s.clock.advance(by: .seconds(10))
        let outcome = try await require("the run to end") { await run.value }
        #expect(outcome.error?.contains("timed out") == true)
        #expect(s.machine.summaries == ["stop store", "start store"])
    }

    @Test("a run addressing the cause preempts a routine run on the same kernel, which neither escalates nor undoes")
    func causePreemptsRoutine() async throws {
        let s = Setup(try PlaybookExecutorTests.graph(Self.playbooks))
        let executor = s.executor
        let routine = Task {
            await executor.run(
                "restart-and-watch", arguments: ["kernel": "store"], trigger: "store-unhealthy", runID: "routine")
        }
        try await s.clock.waitForSleepers(1)  // it restarted store and watches
        let cause = Task {
            await executor.run(
                "restore-store", arguments: ["kernel": "store"], trigger: "store-data-drift", runID: "cause")
        }
        let preempted = try await require("the routine run to end") { await routine.value }
        #expect(preempted.supersededBy == "cause")
        #expect(preempted.escalation.isEmpty, "a preempted run does not escalate")
        try await s.clock.waitForSleepers(1)  // the cause run settles
        s.clock.advance(by: .seconds(30))
        let healed = try await require("the cause run to end") { await cause.value }
        #expect(healed.succeeded)
        #expect(
            s.machine.summaries == [
                "restart store", "stop store", "restore store from last_good", "start store",
            ])
        #expect(
            s.journal.all.contains(
                .runSuperseded(
                    run: "routine", playbook: "restart-and-watch", by: "cause",
                    reason: "run cause addresses the failure's cause and took its kernels over after it began")))
        #expect(!s.journal.kinds.contains("run.escalated"))
    }

    @Test("a routine run does not begin while a run addressing the cause holds its kernel")
    func routineSupersededBeforeItBegins() async throws {
        let s = Setup(try PlaybookExecutorTests.graph(Self.playbooks))
        let executor = s.executor
        let cause = Task {
            await executor.run(
                "restore-store", arguments: ["kernel": "store"], trigger: "store-data-drift", runID: "cause")
        }
        try await s.clock.waitForSleepers(1)
        let routine = try await s.run("restart-and-watch", arguments: ["kernel": "store"], runID: nil)
        // Without a trigger a run is routine too.
        #expect(routine.supersededBy == "cause")
        #expect(!s.machine.summaries.contains("restart store"))
        s.clock.advance(by: .seconds(30))
        #expect(try await require("the cause run to end") { await cause.value }.succeeded)
    }

    @Test("a trigger addresses the cause when it checks data integrity or names a known signature, anywhere in it")
    func priorities() throws {
        let graph = try PlaybookExecutorTests.graph(
            Self.playbooks + """

                ---
                kind: signature
                name: disk-full
                pattern: "No space left on device"
                ---
                kind: trigger
                name: named
                when: {signature: disk-full, kernel: store}
                run: tell
                with: {kernel: store}
                ---
                kind: trigger
                name: unknown-errors
                when: {signature: unknown, kernel: store, count: 3, within: 1m}
                run: tell
                with: {kernel: store}
                ---
                kind: trigger
                name: crashed
                when: {exit: "*"}
                run: tell
                with: {kernel: "{{ event.kernel }}"}
                """)
        typealias E = PlaybookExecutor<ManualClock>
        #expect(E.priority(of: graph.trigger("store-data-drift")) == .cause)
        #expect(E.priority(of: graph.trigger("named")) == .cause)
        #expect(E.priority(of: graph.trigger("unknown-errors")) == .routine)
        #expect(E.priority(of: graph.trigger("crashed")) == .routine)
        #expect(E.priority(of: graph.trigger("store-unhealthy")) == .routine)
        #expect(E.priority(of: nil) == .routine)
    }
}

@Suite("Kernel locks", .timeLimit(.minutes(5)))
struct KernelLocksTests {
    @Test("equal priorities wait their turn; a cause preempts routine holders and goes before routine waiters")
    func ordering() async throws {
        let locks = KernelLocks()
        #expect(await locks.acquire(["store"], owner: "a") == .acquired)
        let b = Task { await locks.acquire(["store"], owner: "b") }
        let c = Task { await locks.acquire(["api", "store"], owner: "c", priority: .cause) }
        #expect(try await require("a to be preempted") { await locks.preemption(of: "a") } == "c")
        #expect(await locks.acquire(["api"], owner: "d") == .superseded(by: "c"), "c waits for api too")
        await locks.release(["store"], owner: "a")
        #expect(await b.value == .superseded(by: "c"), "b would have waited behind c")
        #expect(await c.value == .acquired)
        #expect(await locks.held == ["api": "c", "store": "c"])
        await locks.release(["api", "store"], owner: "c")
        #expect(await locks.acquire(["api"], owner: "d") == .acquired)
    }
}
