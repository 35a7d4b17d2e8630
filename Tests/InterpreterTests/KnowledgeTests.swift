import Foundation
import GraceDSL
import Testing

@testable import Interpreter

/// Mined signatures in triggers, and the choice among learned bindings: pure, seeded randomness, no clock.
@Suite("Signatures and bindings")
struct KnowledgeTests {
    static func sighting(
        _ signature: String = "a1b2", kernel: String = "api", content: String = "disk quota exceeded on /data",
        severity: SignatureSighting.Severity = .error, playbook: String? = nil
    ) -> Event {
        .signatureSeen(
            SignatureSighting(
                kernel: kernel, line: "2026-11-26 10:00:01,123 ERROR io: " + content, content: content,
                signature: signature, template: "disk quota exceeded on <*>", severity: severity, playbook: playbook))
    }

    @Test("signature: unknown counts repetitions of one signature, not of any unbound error")
    func unknownPerSignature() throws {
        var e = try ConditionEvaluatorTests.evaluator("{signature: unknown, count: 3, within: 1m}")
        #expect(e.observe(Self.sighting("s1"), now: .seconds(0)) == nil)
        #expect(e.observe(Self.sighting("s2"), now: .seconds(1)) == nil)
        #expect(e.observe(Self.sighting("s1"), now: .seconds(2)) == nil)
        #expect(e.observe(Self.sighting("s2"), now: .seconds(3)) == nil)
        let f = e.observe(Self.sighting("s1"), now: .seconds(4))
        #expect(f?["signature"] == "s1")
        #expect(f?["template"] == "disk quota exceeded on <*>")
        // Outside the window the count starts again.
        #expect(e.observe(Self.sighting("s2"), now: .seconds(120)) == nil)
    }

    @Test("signature: unknown ignores warnings, bound signatures and lines a declared signature matches")
    func unknownIgnores() throws {
        var e = try ConditionEvaluatorTests.evaluator("{signature: unknown}")
        #expect(e.observe(Self.sighting(severity: .warning), now: .zero) == nil)
        #expect(e.observe(Self.sighting(playbook: "p"), now: .zero) == nil)
        #expect(e.observe(Self.sighting(content: "connection to 10.0.0.7:5432 refused"), now: .zero) == nil)
        #expect(e.observe(Self.sighting(severity: .critical), now: .zero)?["severity"] == "critical")
        // Plain log lines are not mined signatures.
        #expect(e.observe(.logLine(kernel: "api", stream: "stdout", text: "x ERROR y: boom"), now: .zero) == nil)
    }

    @Test("signature: known fires for a learned binding, unless a declared signature answers for the line")
    func knownLearned() throws {
        var e = try ConditionEvaluatorTests.evaluator("{signature: known}")
        let f = e.observe(Self.sighting(playbook: "p"), now: .zero)
        #expect(f?["playbook"] == "p")
        #expect(f?["learned"] == "true")
        #expect(e.observe(Self.sighting(), now: .zero) == nil)
        #expect(
            e.observe(Self.sighting(content: "connection to 10.0.0.7:5432 refused", playbook: "p"), now: .zero) == nil)
    }

    @Test("a learned binding runs its playbook with the kernel the line came from")
    func learnedRun() throws {
        var e = try TriggerEngineTests.engine(
            "kind: trigger\nname: known-errors\nwhen: {signature: known, kernel: \"*\"}")
        let d = e.observe(Self.sighting(kernel: "api", playbook: "heal"), now: .zero)
        guard case .run(let firing, let playbook, let arguments) = d.first else {
            Issue.record("expected a run, got \(d)")
            return
        }
        #expect(playbook == "heal")
        #expect(arguments == ["kernel": "api"])
        #expect(firing.fields["signature"] == "a1b2")
        // A playbook the graph no longer has is not run.
        var gone = try TriggerEngineTests.engine(
            "kind: trigger\nname: known-errors\nwhen: {signature: known, kernel: \"*\"}")
        if case .run = gone.observe(Self.sighting(playbook: "removed"), now: .zero).first {
            Issue.record("ran a missing playbook")
        }
    }

    @Test("the expected success is the Beta posterior mean")
    func posterior() {
        #expect(BindingEvidence(playbook: "p").expectedSuccess == 0.5)
        #expect(BindingEvidence(playbook: "p", successes: 3, failures: 1).expectedSuccess == 4.0 / 6.0)
    }

    @Test("a failing learned binding is dropped once tried enough; a declared one never is")
    func drop() {
        let policy = BindingPolicy(dropBelow: 0.3, minTrials: 3)
        #expect(!policy.shouldDrop(BindingEvidence(playbook: "p", successes: 0, failures: 2)))  // 0.25, 2 trials
        #expect(policy.shouldDrop(BindingEvidence(playbook: "p", successes: 0, failures: 3)))  // 0.2, 3 trials
        #expect(!policy.shouldDrop(BindingEvidence(playbook: "p", successes: 1, failures: 2)))  // 0.4
        #expect(!policy.shouldDrop(BindingEvidence(playbook: "p", failures: 50, declared: true)))
    }

    @Test("Thompson sampling picks the proven binding nearly always and still tries a thin one")
    func choice() {
        let policy = BindingPolicy()
        var random = SplitMix64(seed: 42)
        let proven = BindingEvidence(playbook: "proven", successes: 40, failures: 2)
        let thin = BindingEvidence(playbook: "thin", successes: 0, failures: 0)
        let bad = BindingEvidence(playbook: "bad", successes: 1, failures: 30)
        var picks: [String: Int] = [:]
        for _ in 0..<2_000 {
            picks[policy.choose([bad, thin, proven], using: &random)?.playbook ?? "none", default: 0] += 1
        }
        #expect(picks["proven", default: 0] > 1_700)
        #expect(picks["thin", default: 0] > 0)
        #expect(picks["bad", default: 0] < picks["thin", default: 0])
        // Declared wins outright; nothing bound, nothing chosen.
        let declared = BindingEvidence(playbook: "reviewed", declared: true)
        #expect(policy.choose([proven, declared], using: &random)?.playbook == "reviewed")
        #expect(policy.choose([], using: &random) == nil)
    }

    @Test("Beta draws have the distribution's mean")
    func betaMean() {
        var random = SplitMix64(seed: 7)
        let n = 20_000
        let mean =
            (0..<n).reduce(0.0) { sum, _ in sum + BetaSample.draw(alpha: 3, beta: 7, using: &random) } / Double(n)
        #expect(abs(mean - 0.3) < 0.01)
        let small =
            (0..<n).reduce(0.0) { sum, _ in sum + BetaSample.draw(alpha: 0.5, beta: 0.5, using: &random) } / Double(n)
        #expect(abs(small - 0.5) < 0.02)
    }

    @Test("severity comes from the line's level")
    func severity() {
        #expect(SignatureSighting.Severity(level: "WARN") == .warning)
        #expect(SignatureSighting.Severity(level: "error") == .error)
        #expect(SignatureSighting.Severity(level: "FATAL") == .critical)
        #expect(SignatureSighting.Severity(level: "INFO") == .info)
        #expect(SignatureSighting.Severity(level: nil) == .info)
        #expect(SignatureSighting.Severity.warning < .error)
    }
}

/// A small seeded generator, so that sampled choices are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
