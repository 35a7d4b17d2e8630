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
                    firing: Firing(trigger: "crashed", at: .zero, fields: ["kernel": "api", "code": "1"]),
                    playbook: "heal", arguments: ["kernel": "api"])
            ])
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
