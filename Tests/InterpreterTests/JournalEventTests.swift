import Foundation
import GraceDSL
import Testing

@testable import Interpreter

/// The journal's vocabulary: every event encodes to the stored kind, kernel and fields, and decodes back to
/// itself; what does not fit a kind is kept as it is.
@Suite("Journal vocabulary")
struct JournalEventTests {
    static let verdict = KnowledgeVerdict(
        signature: "s1", playbook: "restart-kernel", run: "r1", healed: true, successes: 3, failures: 1,
        expectedSuccess: 0.667, template: "connection to <*> refused")

    /// One of every case, with values that exercise optional and structured fields.
    static let samples: [JournalEvent] = [
        .graceStarted(graph: "abcdef0123456789", pid: 42),
        .graceStopping,
        .graceStopped,
        .graceReexec(
            generation: 2, reason: "grace reexec", executable: "/usr/bin/grace", adopted: ["api", "store"],
            started: ["worker"], stopped: [], handoff: .milliseconds(84)),
        .healerStarted(triggers: 12),
        .kernelStarted(kernel: "api", pid: 100),
        .kernelReady(kernel: "api", pid: 100),
        .kernelSpawnFailed(kernel: "api", reason: "cannot start ./bin/api: exec failed: No such file"),
        .kernelExited(
            kernel: "api", pid: 100, status: .signaled(signal: 9, coreDumped: false), ran: .milliseconds(1500)),
        .kernelExited(kernel: "api", pid: 101, status: .exited(code: 3), ran: .zero),
        .kernelStopped(kernel: "api", pid: 102, status: .exited(code: 0), reason: nil),
        .kernelStopped(kernel: "api", pid: nil, status: nil, reason: "reload"),
        .kernelRestarting(kernel: "api", attempt: 2, delay: .milliseconds(100)),
        .kernelGaveUp(kernel: "api", reason: "more than 5 restarts within 1m"),
        .kernelKill(kernel: "api", pid: 100, reason: "watchdog timeout"),
        .kernelStopping(kernel: "api", pid: 100, reason: "shutdown"),
        .kernelDependencyNotReady(kernel: "api", dependency: "store", action: "starting anyway"),
        .kernelLeftoverFound(kernel: "api", pid: 7),
        .kernelLeftoverStopped(kernel: "api", pid: 7, how: "signal"),
        .kernelPaused(kernel: "api", pid: 100, reason: "shed load"),
        .kernelResumed(kernel: "api", pid: 100, reason: "restore load"),
        .kernelSignalled(kernel: "api", pid: 100, signal: 1),
        .kernelStatus(kernel: "api", status: "serving 12 clients"),
        .kernelStoppingNotified(kernel: "api", pid: 100),
        .kernelHealthy(kernel: "api"),
        .kernelUnhealthy(kernel: "api", reason: "HTTP 503", failures: 3),
        .kernelWatchdogTimeout(kernel: "api", after: .seconds(10)),
        .kernelStartTimeout(kernel: "api", pid: 100, after: .seconds(60)),
        .kernelRestartRequested(kernel: "api", pid: 100, origin: .playbook, reason: "playbook run r1"),
        .kernelRestartRequested(kernel: "api", pid: nil, origin: .api, reason: "api"),
        .graceJournalRecovered(outage: .milliseconds(1500), error: "disk full", lost: 0),
        .graceJournalAnchorMismatch(reason: "entries 9...12 missing", anchorID: 12, headID: 8),
        .kernelLimitsUnenforced(kernel: "api", limits: "memory=256MiB cpu=50%", reason: "no cgroup v2"),
        .triggerFired(
            trigger: "crashed", playbook: "restart-kernel", kernel: "api",
            evidence: ["kernel": "api", "signal": "SIGKILL"]),
        .triggerFired(trigger: "nightly", playbook: "report", kernel: nil, evidence: [:]),
        .triggerFired(
            trigger: "crashed", playbook: "restart-kernel", kernel: "api", evidence: ["kernel": "api", "code": "3"],
            run: "r1"),
        .triggerSuppressed(trigger: "crashed", reason: "cooldown", kernel: "api", evidence: ["kernel": "api"]),
        .runStarted(
            run: "r1", playbook: "restart-kernel", trigger: "crashed", arguments: ["kernel": "api"], parent: nil),
        .runStarted(run: "r2", playbook: "diagnose", trigger: nil, arguments: [:], parent: "r1"),
        .stepStarted(run: "r1", index: 0, name: "restart", action: "restart", attempt: 1),
        .stepSucceeded(run: "r1", index: 0, name: "restart", detail: "restarted api"),
        .stepFailed(run: "r1", index: 1, name: "wait", error: "api not healthy", willRetry: true),
        .stepSkipped(run: "r1", index: 2, name: "notify", reason: "condition false"),
        .undoStarted(run: "r1", index: 0, name: "restart", action: "start"),
        .undoFinished(run: "r1", index: 0, name: "restart", error: nil),
        .undoFinished(run: "r1", index: 0, name: "restart", error: "api is not running"),
        .runSucceeded(run: "r1", playbook: "restart-kernel"),
        .runFailed(run: "r1", playbook: "restart-kernel", error: "step 2 failed"),
        .runEscalated(run: "r1", from: "restart-kernel", to: "fail-over"),
        .runInterrupted(run: "r1", playbook: "restart-kernel", action: "retry"),
        .runAbandoned(run: "r1-retry-retry", playbook: "restart-kernel"),
        .runSuperseded(
            run: "r1", playbook: "heal-hung-kernel", by: "r2", reason: "run r2 addresses the failure's cause"),
        .notify(run: "r1", message: "healed api", severity: "info"),
        .configReloaded(
            reason: "SIGHUP", graph: "0123456789abcdef", added: ["kernel:new"], changed: ["trigger:a", "playbook:b"],
            removed: [], milliseconds: 23.4),
        .configUnchanged(reason: "grace reload", graph: "0123456789abcdef"),
        .configInvalid(
            reason: "file changed", errorCount: 2,
            errors: ["config/k.yaml:3:1: G106 unknown key", "config/k.yaml:9:3: G201 no such kernel"],
            file: "config/k.yaml", code: "G106"),
        .configUnreadable(reason: "SIGHUP", error: "no configuration root"),
        .snapshotCreated(kernel: "store", id: "s-1", files: 3, bytes: 4096, good: true, run: "r1", reason: nil),
        .snapshotCreated(kernel: "store", id: "s-2", files: 3, bytes: nil, good: false, run: nil, reason: "schedule"),
        .snapshotRestored(kernel: "store", id: "s-1", run: nil, reason: "api"),
        .snapshotPruned(kernel: "store", removed: 4),
        .snapshotFailed(kernel: "store", error: "disk full"),
        .kbOutcome(kernel: "api", verdict),
        .kbBindingLearned(kernel: "api", verdict),
        .kbBindingDropped(
            kernel: "api",
            KnowledgeVerdict(
                signature: "s2", playbook: "p", run: "r9", healed: false, successes: 0, failures: 3,
                expectedSuccess: 0.2)),
        .agentTask(
            task: 7, type: "diagnose", state: "committed", detail: "set X in the environment of api", event: 31,
            kernel: "api", run: "r-1", commit: "0123abcd"),
        .agentCommitted(task: 7, commit: "0123abcd", summary: "set X", files: ["config/kernels.yaml"]),
        .agentReverted(task: 7, commit: "0123abcd", revert: "4567ef01", evidence: "api exited twice"),
        .configKnownGood(graph: "abcdef0123456789", revision: "0123abcd"),
        .configRolledBack(revision: "0123abcd", reverted: ["4567ef0", "89abcde"], run: "r-2"),
        .componentSilent(component: "healer", period: .seconds(2), silent: .milliseconds(6_500)),
        .componentRecovered(component: "agent", period: .seconds(10), silent: .seconds(42)),
        .componentRestarted(
            component: "healer", reason: "silent for 6s", by: "root", incarnation: 2, restarts: 1,
            took: .milliseconds(4)),
        .componentEscalated(component: "snapshotter", restarts: 4, within: .seconds(12), to: "rebuild"),
        .componentDeadlock(members: ["agent", "healer"]),
        .fleet(kind: .promoted, fleet: "f", instance: "g-2", details: ["token": "2", "previous": "g-1 (token 1)"]),
        .fleet(kind: .demoted, fleet: "f", instance: "g-1", details: ["token": "1", "reason": "switchover to g-2"]),
        .fleet(kind: .memberLost, fleet: "f", instance: "g-1", details: ["role": "primary", "by": "g-2"]),
        .fleet(kind: .fenced, fleet: "f", instance: "g-1", details: ["pid": "42", "killed": "api (43)"]),
        .fleet(kind: .quarantined, fleet: "f", instance: "g-1", details: ["until": "2026-12-05T00:00:00Z"]),
        .fleet(kind: .rejoined, fleet: "f", instance: "g-1", details: ["checks": "configuration compiles"]),
        .chaos(phase: .started, drill: "kill-api-1", scenario: "kill-api", details: ["fault": "kill api"]),
        .chaos(
            phase: .injected, drill: "kong-1", scenario: "kong", details: ["fault": "hang store", "seed": "42"]),
        .chaos(
            phase: .finished, drill: "kill-api-1", scenario: "kill-api",
            details: [
                "fault": "kill api", "status": "failed", "deviated": "false", "healed_ms": "72000", "gates_failed": "1",
                "gate.0": "fast-heal: time to heal api measured 72s, needs < 1m, FAILED",
                "gate.1": "fast-heal: journal intact measured intact, needs intact, ok",
                "detail": "api healed after its deadline",
            ]),
        .unrecognized(kind: "custom.thing", kernel: nil, fields: ["a": "b"]),
    ]

    @Test("every sample encodes and decodes back to itself", arguments: samples)
    func roundTrip(_ event: JournalEvent) {
        let decoded = JournalEvent(kind: event.kindName, kernel: event.kernel, fields: event.fields)
        #expect(decoded == event)
    }

    @Test("every kind has a sample, a tone and a summary, and kinds are unique")
    func vocabularyIsComplete() {
        let sampled = Set(Self.samples.compactMap(\.kind))
        #expect(sampled == Set(JournalKind.allCases))
        #expect(Set(JournalKind.allCases.map(\.rawValue)).count == JournalKind.allCases.count)
        for kind in JournalKind.allCases { #expect(!kind.summary.isEmpty) }
    }

    @Test("the stored form is what the journal has always held")
    func storedForm() {
        let exited = JournalEvent.kernelExited(
            kernel: "api", pid: 100, status: .signaled(signal: 9, coreDumped: false), ran: .milliseconds(1500))
        #expect(exited.kindName == "kernel.exited")
        #expect(exited.fields == ["pid": "100", "signal": "SIGKILL", "core": "false", "ran_ms": "1500"])
        let fired = JournalEvent.triggerFired(
            trigger: "t", playbook: "p", kernel: "api", evidence: ["kernel": "api"])
        #expect(fired.fields == ["trigger": "t", "playbook": "p", "event.kernel": "api"])
        let firedRun = JournalEvent.triggerFired(
            trigger: "t", playbook: "p", kernel: "api", evidence: ["kernel": "api"], run: "r")
        #expect(firedRun.fields == ["trigger": "t", "playbook": "p", "event.kernel": "api", "run": "r"])
        #expect(JournalEvent(kind: "trigger.fired", kernel: "api", fields: firedRun.fields) == firedRun)
        let started = JournalEvent.runStarted(run: "r", playbook: "p", trigger: nil, arguments: ["k": "v"], parent: nil)
        #expect(started.fields == ["run": "r", "playbook": "p", "arg.k": "v"])
        let reloaded = JournalEvent.configReloaded(
            reason: "x", graph: "g", added: ["kernel:a", "kernel:b"], changed: [], removed: [], milliseconds: 23.4)
        #expect(reloaded.fields["ms"] == "23.4")
        #expect(reloaded.fields["added"] == "kernel:a,kernel:b")
        #expect(reloaded.fields["changed"] == "")
    }

    @Test("unknown kinds, missing and extra fields decode as unrecognized, with nothing lost")
    func unrecognized() {
        #expect(
            JournalEvent(kind: "probe.failed", kernel: "a", fields: ["n": "1"])
                == .unrecognized(kind: "probe.failed", kernel: "a", fields: ["n": "1"]))
        // kernel.started needs a pid; and a field it does not know would be lost on re-encoding.
        #expect(JournalEvent(kind: "kernel.started", kernel: "a", fields: [:]).kind == nil)
        let extra = JournalEvent(kind: "kernel.started", kernel: "a", fields: ["pid": "1", "pgid": "1"])
        #expect(extra == .unrecognized(kind: "kernel.started", kernel: "a", fields: ["pid": "1", "pgid": "1"]))
        #expect(extra.fields == ["pid": "1", "pgid": "1"])
        // A kernel event must name its kernel.
        #expect(JournalEvent(kind: "kernel.healthy", kernel: nil).kind == nil)
        // A drill's entry names its drill and scenario.
        #expect(JournalEvent(kind: "chaos.finished", fields: ["drill": "d", "status": "completed"]).kind == nil)
    }

    @Test("decimals are formatted without Foundation, as %.Nf would")
    func decimals() {
        #expect(JournalEvent.format(0.6666, decimals: 3) == "0.667")
        #expect(JournalEvent.format(23.0, decimals: 1) == "23.0")
        #expect(JournalEvent.format(1.05, decimals: 0) == "1")
        #expect(JournalEvent.format(-2.5, decimals: 1) == "-2.5")
        #expect(JournalEvent.format(0.0004, decimals: 3) == "0.000")
    }
}

/// docs/runtime.md lists every kind with its tone and summary, as the vocabulary defines them.
@Suite("Journal vocabulary in the docs")
struct JournalVocabularyDocsTests {
    @Test("docs/runtime.md has one row per kind, with the code's tone and summary")
    func documented() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: repository.appendingPathComponent("docs/runtime.md"), encoding: .utf8)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| `") }
        var documented: [String: String] = [:]
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            documented[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1] + " " + cells[2]
        }
        for kind in JournalKind.allCases {
            #expect(documented[kind.rawValue] == kind.tone.rawValue + " " + kind.summary, "\(kind.rawValue)")
        }
        let known = Set(JournalKind.allCases.map(\.rawValue))
        for kind in documented.keys where kind.contains(".") || kind == "notify" {
            #expect(known.contains(kind), "docs/runtime.md lists `\(kind)`, which the code does not have")
        }
    }
}
