import GraceDSL
import Interpreter
import Testing

@testable import Runtime

/// The kernel state machine, driven by hand: no processes, no clock, no sleeping.
@Suite("Kernel lifecycle")
struct KernelLifecycleTests {
    static func policy(
        _ mode: Kernel.RestartMode = .always, ready: Kernel.Readiness = .started,
        initial: Duration = .milliseconds(100),
        max: Duration = .seconds(30), intensity: Int = 5, within: Duration = .seconds(60),
        stable: Duration = .seconds(30)
    ) -> KernelLifecycle.Policy {
        var kernel = Kernel(header: DocumentHeader(kind: .kernel, name: Located("k", at: .file("t")), span: .file("t")))
        kernel.restart.mode = mode
        kernel.restart.backoff = Kernel.Backoff(initial: initial, max: max, factor: 2, jitter: Percent(0))
        kernel.restart.intensity = Kernel.Intensity(max: intensity, within: within)
        kernel.restart.stableAfter = stable
        kernel.ready = ready
        return KernelLifecycle.Policy(kernel: kernel)
    }

    /// The stored kinds of a result's events.
    func kinds(_ events: [JournalEvent]) -> [String] { events.map(\.kindName) }

    @Test("a crash after a stable run restarts at once, then backs off exponentially")
    func backoff() {
        var k = KernelLifecycle(policy: Self.policy(), random: { 0.5 })
        #expect(k.start(now: .zero) == .spawn)
        #expect(kinds(k.spawned(pid: 10, now: .zero).events) == ["kernel.started", "kernel.ready"])
        #expect(k.state == .running(pid: 10, since: .zero))
        // First failure after 40 s (stable): immediate.
        var result = k.exited(.signaled(signal: 9, coreDumped: false), now: .seconds(40))
        #expect(kinds(result.events) == ["kernel.exited", "kernel.restarting"])
        #expect(result.restart == .now(attempt: 1))
        #expect(
            result.events[0]
                == .kernelExited(
                    kernel: "k", pid: 10, status: .signaled(signal: 9, coreDumped: false), ran: .seconds(40)))
        _ = k.spawned(pid: 11, now: .seconds(40))
        // Quick failures now back off 100ms, 200ms, 400ms.
        result = k.exited(.exited(code: 1), now: .seconds(41))
        #expect(
            result.restart == .after(delay: .milliseconds(100), at: .seconds(41) + .milliseconds(100), attempt: 2))
        #expect(k.timerFired(now: .seconds(41)) == .ignored, "not before the backoff is over")
        #expect(k.timerFired(now: .seconds(41) + .milliseconds(100)) == .spawn)
        _ = k.spawned(pid: 12, now: .milliseconds(41_100))
        result = k.exited(.exited(code: 1), now: .milliseconds(41_200))
        #expect(result.restart == .after(delay: .milliseconds(200), at: .milliseconds(41_400), attempt: 3))
        #expect(result.events.last == .kernelRestarting(kernel: "k", attempt: 3, delay: .milliseconds(200)))
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

    @Test("a crash loop breaches the intensity limit and gives up")
    func intensity() {
        var k = KernelLifecycle(
            policy: Self.policy(initial: .zero, intensity: 3, within: .seconds(10)), random: { 0.5 })
        _ = k.start(now: .zero)
        var now = Duration.zero
        var gaveUp = false
        for pid in Int32(1)...10 {
            _ = k.spawned(pid: pid, now: now)
            now += .milliseconds(10)
            let result = k.exited(.exited(code: 1), now: now)
            _ = k.timerFired(now: now + .seconds(1))
            if case .gaveUp(let reason) = result.restart {
                gaveUp = true
                #expect(pid == 4, "three restarts allowed within the window, the fourth failure gives up")
                #expect(result.events.last == .kernelGaveUp(kernel: "k", reason: reason))
                break
            }
        }
        #expect(gaveUp)
        if case .gaveUp = k.state {} else { Issue.record("expected gave-up, got \(k.state)") }
        #expect(k.state.phase == .gaveUp)
        #expect(k.totalRestarts == 3)
        // Restarts spread out over more than the window never breach it.
        var slow = KernelLifecycle(policy: Self.policy(initial: .zero, intensity: 3, within: .seconds(10)))
        _ = slow.start(now: .zero)
        for i in 0..<20 {
            _ = slow.spawned(pid: Int32(i), now: .seconds(Int64(i * 6)))
            let result = slow.exited(.exited(code: 1), now: .seconds(Int64(i * 6 + 5)))
            if case .gaveUp = result.restart { Issue.record("gave up at restart \(i)") }
        }
    }

    @Test("policies: never and on-failure stop; on-failure restarts a failure")
    func policies() {
        var never = KernelLifecycle(policy: Self.policy(.never))
        _ = never.start(now: .zero)
        _ = never.spawned(pid: 1, now: .zero)
        let exit = never.exited(.exited(code: 1), now: .seconds(1))
        #expect(kinds(exit.events) == ["kernel.exited"])
        #expect(exit.restart == .none)
        #expect(never.state == .stopped)
        var onFailure = KernelLifecycle(policy: Self.policy(.onFailure))
        _ = onFailure.start(now: .zero)
        _ = onFailure.spawned(pid: 1, now: .zero)
        #expect(onFailure.exited(.exited(code: 0), now: .seconds(1)).restart == .none)
        #expect(onFailure.start(now: .seconds(2)) == .spawn)
        _ = onFailure.spawned(pid: 2, now: .seconds(2))
        #expect(onFailure.exited(.exited(code: 3), now: .seconds(40)).restart == .now(attempt: 1))
    }

    @Test("stop sends the stop signal, then SIGKILL after the grace period; the exit is not a failure")
    func stop() {
        var k = KernelLifecycle(policy: Self.policy())
        _ = k.start(now: .zero)
        _ = k.spawned(pid: 7, now: .zero)
        #expect(k.start(now: .seconds(1)) == .ignored, "already running")
        #expect(
            k.stop(now: .seconds(5), reason: "test")
                == .signal(
                    .kernelStopping(kernel: "k", pid: 7, reason: "test"), pid: 7, signal: 15, killAt: .seconds(15)))
        #expect(
            k.timerFired(now: .seconds(15))
                == .kill(.kernelKill(kernel: "k", pid: 7, reason: "stop grace period over"), pid: 7))
        let exit = k.exited(.signaled(signal: 9, coreDumped: false), now: .seconds(15))
        #expect(kinds(exit.events) == ["kernel.stopped"])
        #expect(exit.restart == .none)
        #expect(k.state == .stopped)
        #expect(k.stop(now: .seconds(16)) == .ignored)
    }

    @Test("a kernel backing off is stopped at once, without a signal")
    func stopWhileBackingOff() {
        var k = KernelLifecycle(policy: Self.policy(stable: .seconds(30)))
        _ = k.start(now: .zero)
        _ = k.spawned(pid: 1, now: .zero)
        _ = k.exited(.exited(code: 1), now: .seconds(1))
        _ = k.spawned(pid: 2, now: .seconds(1))
        _ = k.exited(.exited(code: 1), now: .seconds(2))
        #expect(k.state.phase == .backingOff)
        #expect(
            k.stop(now: .seconds(2), reason: "api")
                == .stopped(.kernelStopped(kernel: "k", pid: nil, status: nil, reason: "api")))
        #expect(k.timerFired(now: .seconds(10)) == .ignored, "the backoff's timer no longer spawns")
    }

    @Test("readiness: notify kernels are starting until READY=1")
    func readiness() {
        var k = KernelLifecycle(policy: Self.policy(ready: .notify))
        _ = k.start(now: .zero)
        let spawned = k.spawned(pid: 3, now: .zero)
        #expect(kinds(spawned.events) == ["kernel.started"])
        #expect(!spawned.isReady)
        #expect(k.state == .starting(pid: 3, since: .zero))
        #expect(k.ready(now: .seconds(1)) == .ready(.kernelReady(kernel: "k", pid: 3)))
        #expect(k.state == .running(pid: 3, since: .zero))
        #expect(k.ready(now: .seconds(2)) == .ignored, "ready once")
    }

    @Test("a missed watchdog kills the running process; its exit is a failure")
    func watchdogKill() {
        var k = KernelLifecycle(policy: Self.policy())
        _ = k.start(now: .zero)
        _ = k.spawned(pid: 5, now: .zero)
        #expect(
            k.kill(now: .seconds(1), reason: "watchdog timeout")
                == .kill([.kernelKill(kernel: "k", pid: 5, reason: "watchdog timeout")], pid: 5))
        let exit = k.exited(.signaled(signal: 9, coreDumped: false), now: .seconds(1))
        #expect(kinds(exit.events) == ["kernel.exited", "kernel.restarting"])
        var stopped = KernelLifecycle(policy: Self.policy())
        #expect(stopped.kill(now: .zero, reason: "x") == .ignored)
    }

    @Test("a kernel not ready within start_timeout is killed, journaled first, and its exit is a failure")
    func startTimeout() {
        var policy = Self.policy(ready: .notify)
        policy.startTimeout = .seconds(10)
        var k = KernelLifecycle(policy: policy)
        _ = k.start(now: .zero)
        _ = k.spawned(pid: 7, now: .seconds(1))
        #expect(k.startTimerFired(now: .seconds(10)) == .ignored, "not due yet: 10 s from the spawn")
        #expect(
            k.startTimerFired(now: .seconds(11))
                == .kill(
                    [
                        .kernelStartTimeout(kernel: "k", pid: 7, after: .seconds(10)),
                        .kernelKill(kernel: "k", pid: 7, reason: "not ready within 10s"),
                    ], pid: 7))
        let exit = k.exited(.signaled(signal: 9, coreDumped: false), now: .seconds(11))
        #expect(kinds(exit.events) == ["kernel.exited", "kernel.restarting"])

        var ready = KernelLifecycle(policy: policy)
        _ = ready.start(now: .zero)
        _ = ready.spawned(pid: 8, now: .zero)
        _ = ready.ready(now: .seconds(2))
        #expect(ready.startTimerFired(now: .seconds(10)) == .ignored, "a ready kernel is left be")
    }

    @Test("a spawn failure counts as a failure and backs off")
    func spawnFailure() {
        var k = KernelLifecycle(policy: Self.policy(stable: .seconds(30)))
        _ = k.start(now: .zero)
        let first = k.spawnFailed("exec failed", now: .zero)
        #expect(kinds(first.events) == ["kernel.spawn_failed", "kernel.restarting"])
        #expect(first.restart == .now(attempt: 1), "first failure is immediate")
        let second = k.spawnFailed("exec failed", now: .milliseconds(1))
        guard case .after = second.restart else {
            Issue.record("expected a backoff, got \(second.restart)")
            return
        }
    }
}
