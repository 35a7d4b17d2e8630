import Foundation
import GraceDSL
import Testing

@testable import Interpreter

@Suite("Trigger engine")
struct TriggerEngineTests {
    static func engine(_ triggers: String, grace: String = "") throws -> TriggerEngine {
        let yaml = """
            kind: kernel
            name: api
            command: [/bin/true]
            ---
            kind: playbook
            name: heal
            params: {kernel: {type: kernel}}
            steps: [{restart: "{{ kernel }}"}]
            ---
            kind: signature
            name: refused
            pattern: "connection refused by <*>"
            playbook: heal
            with: {kernel: "{{ event.kernel }}"}
            ---
            \(triggers)
            \(grace)
            """
        let result = Compiler(options: CompilerOptions(checkExecutables: false)).compile([
            SourceFile(path: "e.yaml", text: yaml)
        ])
        let graph = try #require(result.graph, "\(result.diagnostics.map(\.message))")
        return TriggerEngine(graph: graph, context: .init(graph: graph))
    }

    static let crash = ConditionFixtures.exit("api")

    @Test("a firing becomes a run with its arguments rendered from the event")
    func run() throws {
        var e = try Self.engine(
            "kind: trigger\nname: crashed\nwhen: {exit: \"*\"}\nrun: heal\nwith: {kernel: \"{{ event.kernel }}\"}")
        let decisions = e.observe(Self.crash, now: .zero)
        #expect(
            decisions == [
                .run(
                    firing: Firing(
                        trigger: "crashed", at: .zero, fields: ["kernel": "api", "code": "1"],
                        evidence: ["condition": "exit of *"]),
                    playbook: "heal", arguments: ["kernel": "api"])
            ])
    }

    @Test("silence and deadlock triggers on Grace's components fire from the root watch's events")
    func componentTriggers() throws {
        var e = try Self.engine(
            """
            kind: playbook
            name: note
            steps: [{notify: "x"}]
            ---
            kind: trigger
            name: healer-silent
            when: {silence: healer, within: 6s}
            run: note
            ---
            kind: trigger
            name: stuck-together
            when: {deadlock: [healer, agent], for: 5s}
            run: note
            """)
        let silent = e.observe(.componentSilent(name: "healer", silentFor: .seconds(6)), now: .seconds(6))
        #expect(silent.map(\.firing.trigger) == ["healer-silent"])
        #expect(silent.first?.firing.fields == ["component": "healer"])
        #expect(e.observe(.componentSilent(name: "agent", silentFor: .seconds(30)), now: .seconds(7)).isEmpty)
        #expect(e.tick(now: .seconds(12)).map(\.firing.trigger) == ["stuck-together"])
    }

    @Test("a wildcard trigger's cooldown holds back the kernel it ran for, not the others")
    func cooldownPerKernel() throws {
        var e = try Self.engine(
            """
            kind: kernel
            name: web
            command: [/bin/true]
            ---
            kind: trigger
            name: crashed
            when: {exit: "*"}
            run: heal
            with: {kernel: "{{ event.kernel }}"}
            cooldown: 1m
            """)
        #expect(e.observe(Self.crash, now: .zero).count == 1)
        let web = e.observe(ConditionFixtures.exit("web"), now: .seconds(1))
        guard case .run(_, _, let arguments) = web.first else {
            Issue.record("expected web's crash to run at once, got \(web)")
            return
        }
        #expect(arguments == ["kernel": "web"])
        guard case .suppressed(_, "cooldown") = e.observe(Self.crash, now: .seconds(2)).first else {
            Issue.record("expected api's repeat to wait for its cooldown")
            return
        }
    }

    @Test("a threshold still held when its cooldown ends fires then; one that let go does not")
    func heldThresholdAfterCooldown() throws {
        var e = try Self.engine(
            """
            kind: playbook
            name: note
            steps: [{notify: "x"}]
            ---
            kind: trigger
            name: calm
            when: {metric: host_cpu, below: 40%, for: 10s}
            run: note
            cooldown: 1m
            """)
        func sample(_ value: Double, at seconds: Int64) -> [TriggerEngine.Decision] {
            e.observe(.metric(kernel: nil, metric: .host_cpu, value: value), now: .seconds(seconds))
        }
        #expect(sample(10, at: 0).isEmpty)
        guard case .run = sample(10, at: 10).first else {
            Issue.record("expected the first calm period to run")
            return
        }
        // A busy moment, then calm again within the cooldown: held back, and fires when the cooldown ends.
        #expect(sample(90, at: 15).isEmpty)
        #expect(sample(10, at: 20).isEmpty)
        guard case .suppressed(_, "cooldown") = sample(10, at: 30).first else {
            Issue.record("expected the second calm period to wait for the cooldown")
            return
        }
        #expect(e.nextDeadline() == .seconds(70))
        for t in stride(from: Int64(35), through: 65, by: 5) { #expect(sample(10, at: t).isEmpty) }
        let due = e.tick(now: .seconds(70))
        guard case .run(let firing, "note", _) = due.first else {
            Issue.record("expected the held threshold to run when the cooldown ended, got \(due)")
            return
        }
        #expect(firing.evidence["held_ms"] == "50000")
        #expect(sample(10, at: 75).isEmpty)

        // Held back again, then busy before the cooldown ends: nothing then.
        #expect(sample(90, at: 80).isEmpty)
        #expect(sample(10, at: 85).isEmpty)
        guard case .suppressed = sample(10, at: 95).first else {
            Issue.record("expected the third calm period to wait for the cooldown")
            return
        }
        #expect(sample(90, at: 100).isEmpty)
        #expect(e.tick(now: .seconds(130)).isEmpty)
        #expect(sample(90, at: 135).isEmpty)
    }

    @Test("cooldown and coalescing suppress repeats, and say so")
    func cooldown() throws {
        var e = try Self.engine(
            "kind: trigger\nname: crashed\nwhen: {exit: api}\nrun: heal\nwith: {kernel: api}\ncooldown: 1m")
        #expect(e.observe(Self.crash, now: .zero).count == 1)
        if case .suppressed(_, let reason) = e.observe(Self.crash, now: .seconds(30)).first {
            #expect(reason == "cooldown")
        } else {
            Issue.record("expected suppression")
        }
        if case .run = e.observe(Self.crash, now: .seconds(61)).first {
        } else {
            Issue.record("expected a run after cooldown")
        }
        var c = try Self.engine(
            "kind: trigger\nname: crashed\nwhen: {exit: api}\nrun: heal\nwith: {kernel: api}\ncoalesce: 5s")
        #expect(c.observe(Self.crash, now: .zero).count == 1)
        let repeated = c.observe(Self.crash, now: .seconds(1))
        if case .suppressed(_, let reason) = repeated.first {
            #expect(reason == "coalesced")
        } else {
            Issue.record("expected a repeat within the coalescing window to be suppressed, got \(repeated)")
        }
    }

    @Test("firings coalesced into a run's window run once when it ends, with the last one's fields; none, nothing")
    func coalescedRunAtTheWindowsEnd() throws {
        var c = try Self.engine(
            "kind: trigger\nname: crashed\nwhen: {exit: api}\nrun: heal\nwith: {kernel: api}\ncoalesce: 5s")
        #expect(c.observe(Self.crash, now: .zero).count == 1)
        #expect(c.nextDeadline() == nil, "nothing held back yet")
        for t in [1, 2, 3] {
            guard case .suppressed(_, "coalesced") = c.observe(Self.crash, now: .seconds(Int64(t))).first else {
                Issue.record("expected firing \(t) to be coalesced")
                return
            }
        }
        #expect(c.nextDeadline() == .seconds(5))
        #expect(c.tick(now: .milliseconds(4999)).isEmpty)
        let held = c.tick(now: .seconds(5))
        guard case .run(let firing, "heal", _) = held.first, held.count == 1 else {
            Issue.record("expected one run at the window's end, got \(held)")
            return
        }
        #expect(firing.evidence["coalesced"] == "3")
        #expect(c.nextDeadline() == nil)
        // That run opened a window of its own: a firing in it waits for its end again.
        guard case .suppressed(_, "coalesced") = c.observe(Self.crash, now: .seconds(6)).first else {
            Issue.record("expected a firing after the held-back run to be coalesced")
            return
        }
        #expect(c.nextDeadline() == .seconds(10))

        // A cooldown longer than the window holds the repeats back instead: nothing is kept for later.
        var cooled = try Self.engine(
            "kind: trigger\nname: crashed\nwhen: {exit: api}\nrun: heal\nwith: {kernel: api}\ncoalesce: 5s\n"
                + "cooldown: 1m")
        _ = cooled.observe(Self.crash, now: .zero)
        _ = cooled.observe(Self.crash, now: .seconds(1))
        #expect(cooled.nextDeadline() == nil)
        #expect(cooled.tick(now: .seconds(5)).isEmpty)
    }

    @Test("a trigger storm is rate limited, and every firing is still reported")
    func storm() throws {
        let grace = "---\nkind: grace\nname: g\nlimits: {rate: {runs: 5, per: 1m}}"
        var e = try Self.engine(
            "kind: trigger\nname: crashed\nwhen: {exit: api}\nrun: heal\nwith: {kernel: api}", grace: grace)
        var runs = 0
        var limited = 0
        for i in 0..<100 {
            for d in e.observe(Self.crash, now: .milliseconds(Int64(i * 10))) {
                if case .run = d { runs += 1 }
                if case .suppressed(_, "rate-limited") = d { limited += 1 }
            }
        }
        #expect(runs == 5)
        #expect(limited == 95)
    }

    @Test("a reload keeps the rate limit and the cooldowns of the triggers it keeps")
    func reloadKeepsLimits() throws {
        // Found by bench/campaign/storm.py: each reload made a fresh engine, so a storm got a fresh budget.
        let grace = "---\nkind: grace\nname: g\nlimits: {rate: {runs: 2, per: 1m}}"
        let triggers = """
            kind: trigger
            name: crashed
            when: {exit: api}
            run: heal
            with: {kernel: api}
            cooldown: 10s
            ---
            kind: trigger
            name: other
            when: {exit: api}
            run: heal
            with: {kernel: api}
            """
        var old = try Self.engine(triggers, grace: grace)
        #expect(old.observe(Self.crash, now: .zero).filter { if case .run = $0 { true } else { false } }.count == 2)
        var reloaded = try Self.engine(triggers, grace: grace)
        reloaded.inheritLimits(from: old)
        let after = reloaded.observe(Self.crash, now: .seconds(1))
        let reasons = after.compactMap { if case .suppressed(let f, let r) = $0 { "\(f.trigger):\(r)" } else { nil } }
        #expect(reasons.sorted() == ["crashed:cooldown", "other:rate-limited"])
        // Without inheriting, the same engine would have run both again: the window is what carries over.
        var fresh = try Self.engine(triggers, grace: grace)
        #expect(
            fresh.observe(Self.crash, now: .seconds(1)).filter { if case .run = $0 { true } else { false } }.count == 2)
    }

    @Test("signature: known runs the matched signature's bound playbook")
    func knownSignature() throws {
        var e = try Self.engine("kind: trigger\nname: known-errors\nwhen: {signature: known, kernel: \"*\"}")
        let d = e.observe(.logLine(kernel: "api", stream: "stdout", text: "connection refused by db"), now: .zero)
        #expect(
            d.first.map { if case .run(_, let p, let a) = $0 { p == "heal" && a == ["kernel": "api"] } else { false } }
                == true)
    }
}

enum ConditionFixtures {
    static func exit(_ kernel: String) -> Event { .kernelExited(kernel: kernel, code: 1, signal: nil, expected: false) }
}
