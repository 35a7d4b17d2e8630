import Foundation
import GraceAPIModels
import GraceDSL
import Testing

@testable import Chaos

/// Answers GETs from a script of statuses (the last one repeats) and reports every call, so that a test waits on
/// checks having happened rather than on time.
actor ScriptedHTTP: ChaosHTTP {
    private var statuses: [Int]
    private(set) var calls = 0
    private var waiters: [(Int, CheckedContinuation<Void, Never>)] = []

    init(_ statuses: [Int]) { self.statuses = statuses }

    nonisolated func get(_ url: String, timeout: Duration) async -> Int? { await fetch(url, timeout: timeout)?.status }
    nonisolated func post(_ url: String) async throws -> Int { 404 }

    nonisolated func fetch(_ url: String, timeout: Duration) async -> HTTPAnswer? { await next() }

    private func next() -> HTTPAnswer? {
        calls += 1
        let status = statuses.count > 1 ? statuses.removeFirst() : statuses.first ?? 200
        let ready = waiters.filter { $0.0 <= calls }
        waiters.removeAll { $0.0 <= calls }
        for (_, c) in ready { c.resume() }
        return status == 0 ? nil : HTTPAnswer(status: status, body: "store: ok (\(status))")
    }

    /// Returns once `count` GETs have been answered.
    func waitForCalls(_ count: Int) async {
        if calls >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }
}

/// A value from nowhere in particular, for probes made in code.
func here<T: Sendable & Hashable>(_ value: T) -> Located<T> {
    let start = SourceLocation(line: 1, column: 1, offset: 0)
    return Located(value, at: SourceSpan(file: "test.yaml", start: start, end: start))
}

@Suite("Chaos: a scenario's own probes")
struct DrillProbeTests {
    static let configuration = """
        kind: kernel
        name: store
        command: [sleep, "600"]
        ---
        kind: chaos
        name: kill-store
        inject: {kill: store}
        expect: {healthy: [store], within: 30s}
        probes:
          - {name: up, http: "http://127.0.0.1:1/health"}
          - {name: serving, http: "http://127.0.0.1:1/health", mode: continuous, every: 10ms, at_least: 60%}
          - {name: down, http: "http://127.0.0.1:1/health", status: 503, mode: on_chaos, every: 10ms}
          - {name: file, cmd: [test, -s, data.db], mode: end, timeout: 5s}
          - {name: says-ok, cmd: "/bin/sh -c 'echo all ok'", contains: "all ok", mode: start}

        """

    func probes() throws -> [ChaosScenario.Probe] {
        let root = try ChaosFixture.directory()
        let graph = try ChaosFixture.graph(["chaos.yaml": Self.configuration], root: root)
        return try #require(graph.chaos.first).probes
    }

    @Test("probes decode with their modes and defaults: edge, every, at_least, status, contains, timeout")
    func decoded() throws {
        let p = try probes()
        #expect(p.map(\.name.value) == ["up", "serving", "down", "file", "says-ok"])
        #expect(p.map(\.mode) == [.edge, .continuous, .onChaos, .end, .start])
        #expect(p[0].every == nil && p[0].atLeast == nil)
        #expect(p[1].every == .milliseconds(10) && p[1].atLeast == Percent(60))
        guard case .http(let url, let status) = p[2].check else {
            Issue.record("down is not an http probe")
            return
        }
        #expect(url.value == "http://127.0.0.1:1/health" && status == 503)
        #expect(p[3].timeout == .seconds(5))
        #expect(p[4].contains?.value == "all ok")
    }

    @Test("a cmd probe passes on its exit status and output, fails with the output's last line, is killed late")
    func commands() async throws {
        let root = try ChaosFixture.directory(["data.db": "x"])
        func probe(_ command: [String], status: Int? = nil, contains: String? = nil, timeout: Duration? = nil)
            -> ChaosScenario.Probe
        {
            var p = ChaosScenario.Probe(
                name: here("p"), check: .cmd(here(Command(command)), status: status),
                mode: .edge)
            p.contains = contains.map { here($0) }
            p.timeout = timeout
            return p
        }
        let probes = DrillProbes(probes: [], http: NoHTTP(), root: root, executable: "/usr/bin/true")
        let present = await probes.check(probe(["test", "-s", "data.db"]))
        #expect(present.0, "\(present.1)")
        let missing = await probes.check(probe(["test", "-s", "gone.db"]))
        #expect(!missing.0 && missing.1.contains("exit 1, needs 0"))
        let says = await probes.check(probe(["/bin/sh", "-c", "echo first; echo broken >&2; exit 3"], status: 3))
        #expect(says.0, "\(says.1)")
        let lacks = await probes.check(probe(["/bin/sh", "-c", "echo nope"], contains: "ok"))
        #expect(!lacks.0 && lacks.1.contains("lacks \"ok\""))
        let failing = await probes.check(probe(["/bin/sh", "-c", "echo first; echo broken >&2; exit 3"]))
        #expect(!failing.0 && failing.1.contains("exit 3") && failing.1.hasSuffix("broken"))
        let slow = await probes.check(probe(["sleep", "30"], timeout: .milliseconds(200)))
        #expect(!slow.0 && slow.1.contains("did not end within 200ms"))
        let absent = await probes.check(probe(["no-such-tool-for-grace"]))
        #expect(!absent.0)
        // A command that leaves a process in the background holding its output: judged when it exits.
        let clock = ContinuousClock.now
        let background = await probes.check(
            probe(["/bin/sh", "-c", "sleep 30 & echo started"], contains: "started", timeout: .seconds(10)))
        #expect(background.0, "\(background.1)")
        #expect(ContinuousClock.now - clock < .seconds(10), "the background sleep held the probe")
        let loud = await probes.check(
            probe(["/bin/sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x; echo; echo done"]))
        #expect(loud.0, "a command printing more than a pipe holds: \(loud.1.suffix(80))")
    }

    @Test("an http probe passes on 2xx/3xx or its status, and on `contains`; no answer fails")
    func http() async throws {
        let root = try ChaosFixture.directory()
        var p = ChaosScenario.Probe(
            name: here("p"), check: .http(here("http://x/"), status: nil), mode: .edge)
        for (status, ok) in [(200, true), (302, true), (503, false), (0, false)] {
            let probes = DrillProbes(probes: [], http: ScriptedHTTP([status]), root: root, executable: "/bin/true")
            #expect(await probes.check(p).0 == ok, "status \(status)")
        }
        p.check = .http(here("http://x/"), status: 503)
        #expect(await DrillProbes(probes: [], http: ScriptedHTTP([503]), root: root, executable: "").check(p).0)
        p.contains = here("store: ok")
        #expect(await DrillProbes(probes: [], http: ScriptedHTTP([503]), root: root, executable: "").check(p).0)
        p.contains = here("missing")
        let lacking = await DrillProbes(probes: [], http: ScriptedHTTP([503]), root: root, executable: "").check(p)
        #expect(!lacking.0 && lacking.1.contains("lacks"))
    }

    @Test("a continuous probe counts its checks and passes on at_least; an on_chaos one needs every check")
    func repeated() async throws {
        let root = try ChaosFixture.directory()
        let all = try probes()
        // serving: 200, 500, 200, 200, 200... (4 of the first 5 pass: 80% >= 60%).
        let http = ScriptedHTTP([200, 500, 200, 200, 200])
        let serving = DrillProbes(probes: [all[1]], http: http, root: root, executable: "/bin/true")
        await serving.start(.continuous)
        await http.waitForCalls(5)
        await serving.stop(.continuous)
        let s = try #require(await serving.results().first)
        #expect(s.checks >= 4 && s.passed == s.checks - 1, "\(s)")
        #expect(s.ok && s.needsPercent == 60 && s.firstFailure == "check 2: status 500, needs 2xx or 3xx")
        // down: 503 expected; one 200 among them fails it at the default 100%.
        let downHTTP = ScriptedHTTP([503, 503, 200, 503])
        let down = DrillProbes(probes: [all[2]], http: downHTTP, root: root, executable: "/bin/true")
        await down.start(.onChaos)
        await downHTTP.waitForCalls(4)
        await down.stop(.onChaos)
        let d = try #require(await down.results().first)
        #expect(!d.ok && d.checks >= 3 && d.passed == d.checks - 1 && d.needsPercent == 100, "\(d)")
        // Starting the other mode starts nothing.
        let idle = ScriptedHTTP([200])
        let none = DrillProbes(probes: [all[1]], http: idle, root: root, executable: "/bin/true")
        await none.start(.onChaos)
        await none.stop(.onChaos)
        #expect(await idle.calls == 0)
    }

    @Test("start, end and edge probes are judged by their steady states; one never reached has not passed")
    func once() async throws {
        let root = try ChaosFixture.directory(["data.db": "x"])
        let all = try probes()
        let http = ScriptedHTTP([200, 500])
        let probes = DrillProbes(probes: all, http: http, root: root, executable: "/bin/true")
        let before = await probes.checkOnce(before: true)
        #expect(before.map(\.name) == ["probe up", "probe says-ok"] && before.allSatisfy(\.ok), "\(before)")
        let after = await probes.checkOnce(before: false)
        #expect(after.map(\.name) == ["probe up", "probe file"])
        #expect(after.map(\.ok) == [false, true])
        let results = await probes.results()
        let up = try #require(results.first { $0.name == "up" })
        #expect(!up.ok && up.checks == 2 && up.passed == 1 && up.firstFailure?.hasPrefix("end: ") == true)
        #expect(results.first { $0.name == "file" }?.ok == true)
        #expect(results.first { $0.name == "says-ok" }?.ok == true)
        // serving and down never ran: no checks, not passed.
        #expect(results.filter { $0.checks == 0 }.map(\.name) == ["serving", "down"])
        #expect(results.filter { $0.checks == 0 }.allSatisfy { !$0.ok })

        var report = DrillReport(drill: "d", scenario: "s", title: "s", fault: "f", start: Date(), seed: nil)
        report.probes = results
        #expect(report.probeSuccessPercent == 40)
        let json = try String(
            decoding: DrillJournal(start: Date(), end: Date(), seed: nil, drills: [report]).json(), as: UTF8.self)
        #expect(json.contains("\"probe_success_percent\" : 40"))
        let xml = DrillJournal(start: Date(), end: Date(), seed: nil, drills: [report]).junit(suite: "s")
        #expect(xml.contains("FAILED probe up (edge): 1 of 2 checks (50.0%, needs 100%); first failure end: "))
    }
}

/// A Grace that refuses the first `refusals` records, then keeps the rest.
actor RecordingLink: GraceLink {
    nonisolated let instance = "grace"
    private var refusals: Int
    private(set) var kept: [DrillRecord] = []
    private(set) var tries = 0

    init(refusals: Int) { self.refusals = refusals }

    nonisolated func status() async throws -> StatusResponse { try await FakeLink(pids: [:]).status() }
    nonisolated func kernels() async throws -> [KernelView] { [] }
    nonisolated func events(after: Int64) async throws -> [EventView] { [] }
    nonisolated func journalCheck() async throws -> JournalCheckView { .init(intact: true, entries: 0, detail: nil) }
    func record(_ record: DrillRecord) async throws {
        tries += 1
        if refusals > 0 {
            refusals -= 1
            throw ChaosFixture.Failure(description: "429 rate limited")
        }
        kept.append(record)
    }
    nonisolated func snapshot(kernel: String) async throws {}
    nonisolated func rejoin() async throws {}
    nonisolated func fleet() async throws -> FleetView { throw ChaosFixture.Failure(description: "no fleet") }
}

@Suite("Chaos: drill records reach the journal")
struct DrillRecordTests {
    func runner(_ link: RecordingLink, said: @escaping @Sendable (String) -> Void) throws -> DrillRunner {
        let root = try ChaosFixture.directory()
        let graph = try ChaosFixture.graph(["k.yaml": ChaosFixture.kernels], root: root)
        let target = DrillTarget(
            root: root, graph: graph, links: ["grace": link], main: "grace", http: NoHTTP(),
            startInstance: { _ in 0 }, executable: "/bin/false")
        return DrillRunner(target: target, workDirectory: root.appendingPathComponent("chaos"), say: said)
    }

    @Test("a long fault is cut to the API's 200 characters; a refused record is tried again, then said")
    func retried() async throws {
        let lines = Lines()
        let link = RecordingLink(refusals: 1)
        let runner = try runner(link) { line in Task { await lines.add(line) } }
        let fault = (1...40).map { "fault number \($0)" }.joined(separator: "; ")
        await runner.record(DrillRecord(drill: "kong-1", scenario: "kong", phase: .started, fault: fault))
        let kept = await link.kept
        let tries = await link.tries
        #expect(kept.count == 1 && tries == 2)
        #expect(kept.first?.fault?.count == 200 && kept.first?.fault?.hasSuffix("...") == true)

        let refusing = RecordingLink(refusals: 10)
        let loud = try self.runner(refusing) { line in Task { await lines.add(line) } }
        await loud.record(DrillRecord(drill: "kill-api-1", scenario: "kill-api", phase: .finished, status: "completed"))
        let refusedTries = await refusing.tries
        let refusedKept = await refusing.kept
        #expect(refusedTries == 3 && refusedKept.isEmpty)
        await lines.waitFor { $0.contains("kill-api-1: could not journal chaos.finished: 429 rate limited") }
    }
}

/// Lines a runner said, waited on.
actor Lines {
    private var lines: [String] = []
    private var waiters: [(@Sendable (String) -> Bool, CheckedContinuation<Void, Never>)] = []

    func add(_ line: String) {
        lines.append(line)
        let ready = waiters.filter { $0.0(line) }
        waiters.removeAll { $0.0(line) }
        for (_, c) in ready { c.resume() }
    }

    func waitFor(_ match: @escaping @Sendable (String) -> Bool) async {
        if lines.contains(where: match) { return }
        await withCheckedContinuation { waiters.append((match, $0)) }
    }
}

@Suite("Chaos: judging a prom probe's answer")
struct PromQueryTests {
    static func answer(_ json: String, status: Int = 200) -> HTTPAnswer { HTTPAnswer(status: status, body: json) }

    @Test("the query is sent whole: PromQL's braces, quotes, plus and ampersand are percent-encoded")
    func url() {
        let url = PromQuery.url("http://127.0.0.1:9090/", #"sum(rate(x{a="b"}[1m])) + 1 & y"#)
        #expect(url.hasPrefix("http://127.0.0.1:9090/api/v1/query?query=sum%28rate%28x%7Ba%3D%22b%22%7D"))
        #expect(url.hasSuffix("%20%2B%201%20%26%20y"))
        #expect(PromQuery.url("http://p:9090", "up") == "http://p:9090/api/v1/query?query=up")
    }

    @Test("a vector passes when every sample is within the bounds; the first one outside is named")
    func vector() {
        let two = Self.answer(
            #"{"status":"success","data":{"resultType":"vector","result":["#
                + #"{"metric":{"job":"api","instance":"a"},"value":[1.5,"0.25"]},"#
                + #"{"metric":{"job":"api","instance":"b"},"value":[1.5,"2"]}]}}"#)
        let (ok, detail) = PromQuery.judge(two, below: 3, above: 0)
        #expect(ok && detail == "2 samples from 0.25 to 2", "\(detail)")
        let (high, why) = PromQuery.judge(two, below: 1, above: nil)
        #expect(!high && why == #"{instance="b",job="api"} = 2, not below 1"#, "\(why)")
        let (low, lowWhy) = PromQuery.judge(two, below: nil, above: 0.5)
        #expect(!low && lowWhy.contains("= 0.25, not above 0.5"), "\(lowWhy)")
    }

    @Test("a scalar is judged; NaN, no samples, a range vector and a failed query fail")
    func others() {
        #expect(
            PromQuery.judge(
                Self.answer(#"{"status":"success","data":{"resultType":"scalar","result":[1,"7"]}}"#), below: 10,
                above: nil) == (true, "1 sample = 7"))
        let nan = Self.answer(
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}"#)
        #expect(PromQuery.judge(nan, below: 1, above: nil).0 == false)
        #expect(PromQuery.judge(nan, below: nil, above: 0).0 == false)
        let empty = Self.answer(#"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
        #expect(PromQuery.judge(empty, below: 1, above: nil) == (false, "the query returned no samples"))
        let matrix = Self.answer(#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)
        #expect(PromQuery.judge(matrix, below: 1, above: nil).1.contains("matrix"))
        let failed = Self.answer(
            #"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}"#,
            status: 400)
        let (bad, badWhy) = PromQuery.judge(failed, below: 1, above: nil)
        #expect(!bad && badWhy.contains("status 400") && badWhy.contains("unclosed left parenthesis"), "\(badWhy)")
        #expect(PromQuery.judge(Self.answer("<html>", status: 502), below: 1, above: nil).0 == false)
    }
}
