import GraceDSL
import Testing

@testable import Runtime

/// The kernel state machine, driven by hand: no processes, no clock, no sleeping.
@Suite("Kernel lifecycle")
struct KernelLifecycleTests {
    static func policy(
        _ mode: Kernel.RestartMode = .always, ready: Kernel.Readiness = .started, initial: Duration = .milliseconds(100),
        max: Duration = .seconds(30), intensity: Int = 5, within: Duration = .seconds(60), stable: Duration = .seconds(30)
    ) -> KernelLifecycle.Policy {
        var kernel = Kernel(header: DocumentHeader(kind: .kernel, name: Located("k", at: .file("t")), span: .file("t")))
        kernel.restart.mode = mode
        kernel.restart.backoff = Kernel.Backoff(initial: initial, max: max, factor: 2, jitter: Percent(0))
        kernel.restart.intensity = Kernel.Intensity(max: intensity, within: within)
        kernel.restart.stableAfter = stable
        kernel.ready = ready
        return KernelLifecycle.Policy(kernel: kernel)
    }

    func kinds(_ actions: [KernelLifecycle.Action]) -> [String] {
        actions.map {
            switch $0 {
            case .spawn: "spawn"
            case .journal(let kind, _): kind
            case .scheduleTimer: "timer"
            case .signalGroup(_, let s): "signal \(s)"
            case .escalate: "escalate"
            }
        }
    }

    @Test("a crash after a stable run restarts at once, then backs off exponentially")
    func backoff() {
        var k = KernelLifecycle(policy: Self.policy(), random: { 0.5 })
        #expect(kinds(k.start(now: .zero)) == ["spawn"])
        _ = k.spawned(pid: 10, now: .zero)
        #expect(k.state == .running(pid: 10, since: .zero))
        // First failure after 40 s (stable): immediate.
        var actions = k.exited(.signaled(signal: 9, coreDumped: false), now: .seconds(40))
        #expect(kinds(actions) == ["kernel.exited", "kernel.restarting", "spawn"])
        _ = k.spawned(pid: 11, now: .seconds(40))
        // Quick failures now back off 100ms, 200ms, 400ms.
        actions = k.exited(.exited(code: 1), now: .seconds(41))
        #expect(actions.contains(.scheduleTimer(at: .seconds(41) + .milliseconds(100))))
        #expect(kinds(k.timerFired(now: .seconds(41))) == [], "not before the backoff is over")
        #expect(kinds(k.timerFired(now: .seconds(41) + .milliseconds(100))) == ["spawn"])
        _ = k.spawned(pid: 12, now: .milliseconds(41_100))
        actions = k.exited(.exited(code: 1), now: .milliseconds(41_200))
        #expect(actions.contains(.scheduleTimer(at: .milliseconds(41_400))))
        #expect(k.backoff(forAttempt: 20) == .seconds(30), "capped at max")
    }

    @Test("jitter spreads the delay by at most the configured share")
    func jitter() {
        var kernel = Self.policy(initial: .seconds(1))
        kernel.jitter = 0.1
        let low = KernelLifecycle(policy: kernel, random: { 0 })
        let high = KernelLifecycle(policy: kernel, random: { 0.999999 })
        #expect(low.backoff(forAttempt: 2) == .milliseconds(900))
        #expect(high.backoff(forAttempt: 2) == .milliseconds(1100))
    }

    @Test("a crash loop breaches the intensity limit and gives up with an escalation")
    func intensity() {
        var k = KernelLifecycle(policy: Self.policy(initial: .zero, intensity: 3, within: .seconds(10)), random: { 0.5 })
        _ = k.start(now: .zero)
        var now = Duration.zero
        var escalated = false
        for pid in Int32(1)...10 {
            _ = k.spawned(pid: pid, now: now)
            now += .milliseconds(10)
            let actions = k.exited(.exited(code: 1), now: now)
            _ = k.timerFired(now: now + .seconds(1))
            if actions.contains(where: { if case .escalate = $0 { true } else { false } }) {
                escalated = true
                #expect(pid == 4, "three restarts allowed within the window, the fourth failure gives up")
                break
            }
        }
        #expect(escalated)
        if case .gaveUp = k.state {} else { Issue.record("expected gave-up, got \(k.state)") }
        #expect(k.totalRestarts == 3)
        // Restarts spread out over more than the window never breach it.
        var slow = KernelLifecycle(policy: Self.policy(initial: .zero, intensity: 3, within: .seconds(10)))
        _ = slow.start(now: .zero)
        for i in 0..<20 {
            _ = slow.spawned(pid: Int32(i), now: .seconds(Int64(i * 6)))
            let actions = slow.exited(.exited(code: 1), now: .seconds(Int64(i * 6 + 5)))
            #expect(!actions.contains { if case .escalate = $0 { true } else { false } })
        }
    }

    @Test("policies: never and on-failure stop; on-failure restarts a failure")
    func policies() {
        var never = KernelLifecycle(policy: Self.policy(.never))
        _ = never.start(now: .zero)
        _ = never.spawned(pid: 1, now: .zero)
        #expect(kinds(never.exited(.exited(code: 1), now: .seconds(1))) == ["kernel.exited"])
        #expect(never.state == .stopped)
        var onFailure = KernelLifecycle(policy: Self.policy(.onFailure))
        _ = onFailure.start(now: .zero)
        _ = onFailure.spawned(pid: 1, now: .zero)
        #expect(kinds(onFailure.exited(.exited(code: 0), now: .seconds(1))) == ["kernel.exited"])
        _ = onFailure.start(now: .seconds(2))
        _ = onFailure.spawned(pid: 2, now: .seconds(2))
        #expect(kinds(onFailure.exited(.exited(code: 3), now: .seconds(40))).contains("spawn"))
    }

    @Test("stop sends the stop signal, then SIGKILL after the grace period; the exit is not a failure")
    func stop() {
        var k = KernelLifecycle(policy: Self.policy())
        _ = k.start(now: .zero)
        _ = k.spawned(pid: 7, now: .zero)
        let actions = k.stop(now: .seconds(5))
        #expect(actions.contains(.signalGroup(pid: 7, signal: 15)))
        #expect(actions.contains(.scheduleTimer(at: .seconds(15))))
        #expect(kinds(k.timerFired(now: .seconds(15))) == ["kernel.kill", "signal 9"])
        #expect(kinds(k.exited(.signaled(signal: 9, coreDumped: false), now: .seconds(15))) == ["kernel.stopped"])
        #expect(k.state == .stopped)
    }

    @Test("readiness: notify kernels are starting until READY=1")
    func readiness() {
        var k = KernelLifecycle(policy: Self.policy(ready: .notify))
        _ = k.start(now: .zero)
        #expect(kinds(k.spawned(pid: 3, now: .zero)) == ["kernel.started"])
        #expect(k.state == .starting(pid: 3, since: .zero))
        #expect(kinds(k.ready(now: .seconds(1))) == ["kernel.ready"])
        #expect(k.state == .running(pid: 3, since: .zero))
    }

    @Test("a spawn failure counts as a failure and backs off")
    func spawnFailure() {
        var k = KernelLifecycle(policy: Self.policy(stable: .seconds(30)))
        _ = k.start(now: .zero)
        let first = k.spawnFailed("exec failed", now: .zero)
        #expect(kinds(first).first == "kernel.spawn_failed")
        #expect(kinds(first).contains("spawn"), "first failure is immediate")
        let second = k.spawnFailed("exec failed", now: .milliseconds(1))
        #expect(kinds(second).contains("timer"))
    }
}
