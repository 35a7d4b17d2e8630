import Foundation
import GraceDSL
import Testing

@testable import Interpreter

/// Trigger conditions against hand-made events and time: no processes, no sleeping.
@Suite("Trigger conditions")
struct ConditionEvaluatorTests {
    static let kernels = """
        kind: kernel
        name: api
        command: [/bin/true]
        watchdog: 10s
        logs: {format: "<Date> <Time> <Level> <Component>: <Content>"}
        ---
        kind: kernel
        name: store
        command: [/bin/true]
        health: {tcp: "127.0.0.1:1"}
        ---
        kind: playbook
        name: p
        steps: [{notify: "x"}]
        manual: true
        ---
        kind: signature
        name: refused
        pattern: "connection to <*> refused"
        playbook: p
        """

    /// Compiles `when` inside a trigger and returns an evaluator for it.
    static func evaluator(_ when: String, extra: String = "") throws -> ConditionEvaluator {
        let yaml = kernels + "\n---\nkind: trigger\nname: t\nwhen: \(when)\nrun: p\n" + extra
        let result = Compiler(options: CompilerOptions(checkExecutables: false)).compile([
            SourceFile(path: "t.yaml", text: yaml)
        ])
        let graph = try #require(result.graph, "\(result.diagnostics.map(\.message))")
        let trigger = try #require(graph.trigger("t"))
        return ConditionEvaluator(
            trigger.when, context: .init(graph: graph, wallClockOrigin: Date(timeIntervalSince1970: 0)))
    }

    @Test("exit fires for the kernel, with code or signal; expected stops are ignored")
    func exit() throws {
        var e = try Self.evaluator("{exit: api, signals: [SIGKILL, SIGSEGV]}")
        #expect(
            e.observe(.kernelExited(kernel: "store", code: nil, signal: "SIGKILL", expected: false), now: .zero) == nil)
        #expect(e.observe(.kernelExited(kernel: "api", code: 1, signal: nil, expected: false), now: .zero) == nil)
        #expect(
            e.observe(.kernelExited(kernel: "api", code: nil, signal: "SIGKILL", expected: true), now: .zero) == nil)
        let f = e.observe(.kernelExited(kernel: "api", code: nil, signal: "SIGKILL", expected: false), now: .zero)
        #expect(f == ["kernel": "api", "signal": "SIGKILL"])
    }

    @Test("a metric threshold must hold for the window, and fires once per excursion")
    func metricWindow() throws {
        var e = try Self.evaluator("{metric: memory_rss, kernel: api, above: 400MiB, for: 30s}")
        let high = 500.0 * 1_048_576
        #expect(e.observe(.metric(kernel: "api", metric: .memory_rss, value: high), now: .seconds(0)) == nil)
        #expect(e.nextDeadline() == .seconds(30))
        #expect(e.observe(.metric(kernel: "api", metric: .memory_rss, value: high), now: .seconds(20)) == nil)
        #expect(e.tick(now: .seconds(29)) == nil)
        #expect(e.tick(now: .seconds(30))?["kernel"] == "api")
        #expect(e.observe(.metric(kernel: "api", metric: .memory_rss, value: high), now: .seconds(40)) == nil, "once")
        #expect(e.observe(.metric(kernel: "api", metric: .memory_rss, value: 1), now: .seconds(50)) == nil)
        #expect(e.observe(.metric(kernel: "api", metric: .memory_rss, value: high), now: .seconds(60)) == nil)
        #expect(
            e.observe(.metric(kernel: "api", metric: .memory_rss, value: high), now: .seconds(90)) != nil, "re-armed")
    }

    @Test("predict fires when the least-squares trend crosses the threshold within the horizon")
    func predict() throws {
        var e = try Self.evaluator("{predict: memory_rss, kernel: api, above: 1050, within: 60s, window: 5m}")
        // +10 per second. The forecast 60 s ahead is the value + 600: 1000 at t=40 (below 1050: no firing yet),
        // 1100 at t=50 (above: fires, with the crossing 55 s away).
        func observe(_ t: Int64) -> [String: String]? {
            e.observe(.metric(kernel: "api", metric: .memory_rss, value: Double(t) * 10), now: .seconds(t))
        }
        for t in stride(from: Int64(0), through: 40, by: 10) {
            #expect(observe(t) == nil, "forecast \(t * 10 + 600) does not cross 1050 yet (t=\(t))")
        }
        let f = try #require(observe(50), "forecast 1100 crosses 1050 within the horizon (t=50)")
        #expect(f["kernel"] == "api")
        #expect(f["value"] == "500")
        let forecast = try #require(f["forecast"].flatMap(Double.init))
        #expect(abs(forecast - 1100) < 1e-6)
        let eta = try #require(f["eta"].flatMap { Double($0.dropLast(2)) }, "eta in ms: \(f)")
        #expect(abs(eta - 55_000) <= 1, "1050 is 55 s away from 500 at +10/s")
        #expect(observe(60) == nil, "fires once while the forecast stays above")
        // A flat series never fires.
        var flat = try Self.evaluator("{predict: memory_rss, kernel: api, above: 1000, within: 60s}")
        for t in 0..<20 {
            #expect(
                flat.observe(.metric(kernel: "api", metric: .memory_rss, value: 500), now: .seconds(Int64(t))) == nil)
        }
    }

    @Test("anomaly scores samples against an EWMA mean and deviation after warm-up")
    func anomaly() throws {
        var e = try Self.evaluator("{anomaly: cpu, kernel: api, z: 4, alpha: 0.2, warmup: 20}")
        for i in 0..<50 {
            let v = 20.0 + Double(i % 5)
            #expect(e.observe(.metric(kernel: "api", metric: .cpu, value: v), now: .seconds(Int64(i))) == nil)
        }
        let f = e.observe(.metric(kernel: "api", metric: .cpu, value: 95), now: .seconds(50))
        #expect(f?["kernel"] == "api")
        #expect(Double(f?["score"] ?? "0") ?? 0 > 4)
    }

    @Test("log patterns count matching lines in a window and expose named groups")
    func logPattern() throws {
        var e = try Self.evaluator("{log: 'slow flush: (?<ms>\\d+)ms', kernel: api, count: 2, within: 10s}")
        #expect(e.observe(.logLine(kernel: "api", stream: "stdout", text: "slow flush: 30ms"), now: .seconds(0)) == nil)
        #expect(
            e.observe(.logLine(kernel: "api", stream: "stdout", text: "slow flush: 31ms"), now: .seconds(20)) == nil,
            "first one left the window")
        let f = e.observe(.logLine(kernel: "api", stream: "stdout", text: "slow flush: 45ms"), now: .seconds(25))
        #expect(f?["ms"] == "45")
    }

    @Test("silence fires after the watchdog interval without a heartbeat, and at a watchdog timeout")
    func silence() throws {
        var e = try Self.evaluator("{silence: api}")
        _ = e.observe(.kernelStarted(kernel: "api", pid: 1), now: .zero)
        _ = e.observe(.heartbeat(name: "api"), now: .seconds(5))
        #expect(e.tick(now: .seconds(14)) == nil)
        #expect(e.tick(now: .seconds(15)) == ["kernel": "api"])
        #expect(e.tick(now: .seconds(30)) == nil, "once per silence")
        _ = e.observe(.heartbeat(name: "api"), now: .seconds(31))
        #expect(e.observe(.watchdogTimeout(kernel: "api"), now: .seconds(32)) == ["kernel": "api"])
    }

    @Test("schedules: every and cron")
    func schedules() throws {
        var every = try Self.evaluator("{every: 1h}")
        #expect(every.tick(now: .seconds(3599)) == nil)
        #expect(every.tick(now: .seconds(3600)) == [:])
        #expect(every.nextDeadline() == .seconds(7200))
        var cron = try Self.evaluator("{cron: '*/15 * * * *'}")  // origin is 00:00 UTC
        #expect(cron.nextDeadline() == .seconds(900))
        #expect(cron.tick(now: .seconds(900)) == [:])
        #expect(cron.nextDeadline() == .seconds(1800))
        // The origin a fraction of a millisecond past a second: the deadline, rounded to the millisecond, falls just
        // before 00:15. Firing there must schedule 00:30, not 00:15 once more (shipped config fired twice).
        let yaml = Self.kernels + "\n---\nkind: trigger\nname: t\nwhen: {cron: '*/15 * * * *'}\nrun: p\n"
        let graph = try #require(
            Compiler(options: CompilerOptions(checkExecutables: false))
                .compile([SourceFile(path: "t.yaml", text: yaml)]).graph)
        var skewed = ConditionEvaluator(
            try #require(graph.trigger("t")).when,
            context: .init(graph: graph, wallClockOrigin: Date(timeIntervalSince1970: 0.0004)))
        let first = try #require(skewed.nextDeadline())
        #expect(skewed.tick(now: first) == [:])
        let second = try #require(skewed.nextDeadline())
        #expect(second - first > .seconds(899), "fired for 00:15, then scheduled \(second - first) later")
        let schedule = try #require(CronSchedule("30 2 * * mon"))
        let next = try #require(schedule.next(after: Date(timeIntervalSince1970: 0)))  // Thu 1970-01-01
        #expect(next == Date(timeIntervalSince1970: 4 * 86_400 + 2 * 3600 + 1800))  // Mon 1970-01-05 02:30
    }

    @Test("all needs every part within the window; any needs one")
    func compositions() throws {
        var all = try Self.evaluator("{all: [{exit: api}, {health: store}], within: 1m}", extra: "")
        #expect(all.observe(.kernelExited(kernel: "api", code: 1, signal: nil, expected: false), now: .zero) == nil)
        #expect(
            all.observe(.kernelUnhealthy(kernel: "store", reason: "x", failures: 3), now: .seconds(90)) == nil,
            "too late")
        #expect(
            all.observe(.kernelExited(kernel: "api", code: 1, signal: nil, expected: false), now: .seconds(100)) != nil)
        var any = try Self.evaluator("{any: [{exit: api}, {exit: store}]}")
        #expect(
            any.observe(.kernelExited(kernel: "store", code: 0, signal: nil, expected: false), now: .zero)?["kernel"]
                == "store")
    }

    @Test("deadlock fires when every member is silent at once, for the window")
    func deadlock() throws {
        var e = try Self.evaluator("{deadlock: [healer, agent], for: 10s}")
        #expect(e.observe(.componentSilent(name: "healer", silentFor: .seconds(6)), now: .zero) == nil)
        #expect(e.observe(.componentSilent(name: "agent", silentFor: .seconds(30)), now: .seconds(1)) == nil)
        #expect(e.nextDeadline() == .seconds(11))
        #expect(e.tick(now: .seconds(10)) == nil)
        #expect(e.tick(now: .seconds(11))?["members"] == "agent,healer")
        #expect(e.tick(now: .seconds(30)) == nil, "once per deadlock")
    }

    @Test("a deadlock is off when one member beats again before the window is over, and counts anew")
    func deadlockBroken() throws {
        var e = try Self.evaluator("{deadlock: [healer, agent], for: 10s}")
        _ = e.observe(.componentSilent(name: "healer", silentFor: .seconds(6)), now: .zero)
        _ = e.observe(.componentSilent(name: "agent", silentFor: .seconds(30)), now: .seconds(1))
        #expect(e.observe(.componentRecovered(name: "agent"), now: .seconds(5)) == nil)
        #expect(e.tick(now: .seconds(11)) == nil)
        #expect(e.observe(.componentSilent(name: "agent", silentFor: .seconds(30)), now: .seconds(20)) == nil)
        #expect(e.tick(now: .seconds(29)) == nil)
        #expect(e.tick(now: .seconds(30))?["members"] == "agent,healer")
    }

    @Test("silence of a component fires at its component.silent, once per silence, and again after it recovered")
    func componentSilence() throws {
        var e = try Self.evaluator("{silence: healer, within: 6s}")
        #expect(e.nextDeadline() == nil, "no deadline of its own: the root's watch says when")
        #expect(e.observe(.heartbeat(name: "healer"), now: .zero) == nil)
        #expect(e.observe(.componentSilent(name: "agent", silentFor: .seconds(30)), now: .seconds(1)) == nil)
        #expect(
            e.observe(.componentSilent(name: "healer", silentFor: .seconds(6)), now: .seconds(6))
                == ["component": "healer"])
        #expect(e.observe(.componentSilent(name: "healer", silentFor: .seconds(6)), now: .seconds(7)) == nil)
        _ = e.observe(.componentRecovered(name: "healer"), now: .seconds(8))
        #expect(
            e.observe(.componentSilent(name: "healer", silentFor: .seconds(6)), now: .seconds(20))
                == ["component": "healer"])
    }

    @Test("silence of a component with `within` longer than the watch's three intervals waits for the rest")
    func componentSilenceWithin() throws {
        var e = try Self.evaluator("{silence: agent, within: 60s}")
        // Silent for 30 s when journaled at 100 s: the last beat was at 70 s, so `within` runs out at 130 s.
        #expect(e.observe(.componentSilent(name: "agent", silentFor: .seconds(30)), now: .seconds(100)) == nil)
        #expect(e.nextDeadline() == .seconds(130))
        #expect(e.tick(now: .seconds(129)) == nil)
        #expect(e.tick(now: .seconds(130)) == ["component": "agent"])
        // A beat before `within` runs out: no firing.
        _ = e.observe(.componentRecovered(name: "agent"), now: .seconds(140))
        _ = e.observe(.componentSilent(name: "agent", silentFor: .seconds(30)), now: .seconds(200))
        _ = e.observe(.componentRecovered(name: "agent"), now: .seconds(210))
        #expect(e.nextDeadline() == nil)
        #expect(e.tick(now: .seconds(300)) == nil)
    }

    @Test("restart loops count restarts in the window")
    func restarts() throws {
        var e = try Self.evaluator("{restarts: api, count: 3, within: 1m}")
        #expect(e.observe(.kernelRestarting(kernel: "api"), now: .seconds(0)) == nil)
        #expect(e.observe(.kernelRestarting(kernel: "api"), now: .seconds(10)) == nil)
        #expect(e.observe(.kernelRestarting(kernel: "api"), now: .seconds(20))?["count"] == "3")
    }

    @Test("known signatures match the message part of a formatted line")
    func signatures() throws {
        var e = try Self.evaluator("{signature: known}", extra: "")
        let line = "2026-11-26 10:00:01,123 ERROR db.pool: connection to 10.0.0.7:5432 refused"
        let f = e.observe(.logLine(kernel: "api", stream: "stdout", text: line), now: .zero)
        #expect(f?["signature"] == "refused")
        #expect(
            e.observe(
                .logLine(kernel: "api", stream: "stdout", text: "2026-11-26 10:00:01,123 INFO x: fine"), now: .zero)
                == nil)
        let parser = try #require(LogLineParser(format: "<Date> <Time> <Level> <Component>: <Content>"))
        #expect(parser.parse(line)?.level == "ERROR")
        #expect(parser.parse(line)?.content == "connection to 10.0.0.7:5432 refused")
    }

    @Test("a regex signature's named groups are event fields, matched by name or as known; fixed fields win")
    func signatureCaptures() throws {
        let extra = """
            ---
            kind: signature
            name: port-taken
            regex: 'cannot listen on (?<address>[0-9.]+):(?<port>[0-9]+): (?<kernel>Address) already in use'
            ---
            kind: signature
            name: port-taken-bound
            regex: 'port (?<port>[0-9]+) refused'
            playbook: p
            """
        var byName = try Self.evaluator("{signature: port-taken, kernel: \"*\"}", extra: extra)
        let line = "2026-11-26 10:00:01,123 ERROR api.http: cannot listen on 127.0.0.1:8081: Address already in use"
        let fields = byName.observe(.logLine(kernel: "api", stream: "stdout", text: line), now: .zero)
        let f = try #require(fields)
        #expect(f["port"] == "8081")
        #expect(f["address"] == "127.0.0.1")
        #expect(f["kernel"] == "api", "a group named like a fixed field does not replace it")
        #expect(f["signature"] == "port-taken")
        var known = try Self.evaluator("{signature: known}", extra: extra)
        let other = "2026-11-26 10:00:01,123 ERROR api.http: port 9000 refused"
        let knownFields = known.observe(.logLine(kernel: "api", stream: "stdout", text: other), now: .zero)
        let k = try #require(knownFields)
        #expect(k["port"] == "9000")
        #expect(k["signature"] == "port-taken-bound")
    }

    @Test("a certificate condition fires once as the certificate enters its window, and again after a renewal")
    func certificate() throws {
        var e = try Self.evaluator("{certificate: tls/api.pem, kernel: api, within: 14d}")
        func check(_ left: Duration, path: String = "tls/api.pem") -> [String: String]? {
            e.observe(
                .certificateChecked(kernel: "api", path: path, expiresIn: left, notAfter: "2027-01-01T00:00:00Z"),
                now: .zero)
        }
        #expect(check(.seconds(30 * 86_400)) == nil, "not within 14d")
        let fired = try #require(check(.seconds(86_400 + 90)))
        #expect(
            fired == [
                "kernel": "api", "path": "tls/api.pem", "expires_in": "1d1m30s", "not_after": "2027-01-01T00:00:00Z",
            ])
        #expect(check(.seconds(86_000)) == nil, "once per approach")
        #expect(check(.seconds(86_000), path: "other.pem") == nil)
        #expect(check(.seconds(90 * 86_400)) == nil, "renewed: re-armed")
        #expect(check(.seconds(-5))?["expires_in"] == "0s", "expired counts, as no time left")
    }

    @Test("duration metrics compare seconds against thresholds written as durations")
    func durationMetric() throws {
        var e = try Self.evaluator("{metric: latency, kernel: api, above: 500ms}")
        #expect(e.observe(.metric(kernel: "api", metric: .latency, value: 0.4), now: .zero) == nil)
        #expect(e.observe(.metric(kernel: "api", metric: .latency, value: 0.8), now: .seconds(1))?["value"] == "0.800")
    }

    @Test("the linear trend of a line is exact")
    func trend() throws {
        let fit = try #require(LinearTrend([(.seconds(0), 1), (.seconds(1), 3), (.seconds(2), 5)]))
        #expect(abs(fit.slope - 2) < 1e-9)
        #expect(abs(fit.value(atSecondsFromLast: 1) - 7) < 1e-9)
        #expect(abs((fit.secondsUntil(9) ?? 0) - 2) < 1e-9)
    }
}
