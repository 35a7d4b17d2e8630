import CGraceSystem
import Foundation
import GraceDSL

/// A scenario's declared probes (`probes:`), checked at the moments their modes name, as LitmusChaos's http and
/// cmd probes are: `start` and `end` (and `edge`, both) once within the steady states, `continuous` and
/// `on_chaos` every `every` in the background. Each probe's checks are counted for the report.
actor DrillProbes {
    /// What is known of one probe so far.
    struct Tally {
        var checks = 0
        var passed = 0
        /// The first failing check, in words, and when (milliseconds after the first check of any probe).
        var firstFailure: String?
        /// What the last check saw.
        var last = ""
    }

    let probes: [ChaosScenario.Probe]
    let http: any ChaosHTTP
    let root: URL
    /// Put in front of PATH for `cmd` probes, as for the commands Grace itself runs: the directory of `grace`.
    let binDirectory: String
    private var tallies: [String: Tally] = [:]
    private var loops: [String: Task<Void, Never>] = [:]

    init(probes: [ChaosScenario.Probe], http: any ChaosHTTP, root: URL, executable: String) {
        self.probes = probes
        self.http = http
        self.root = root
        self.binDirectory = URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }

    /// The probes checked once in a steady state: before the fault (`start`, `edge`) or after the rollbacks
    /// (`end`, `edge`). A steady state that is retried checks them again; the last check is the one counted.
    func checkOnce(before: Bool) async -> [DrillReport.Probe] {
        var results: [DrillReport.Probe] = []
        for probe in probes where probe.mode == .edge || probe.mode == (before ? .start : .end) {
            let (ok, detail) = await check(probe)
            let key = probe.name.value + (before ? "#start" : "#end")
            tallies[key] = Tally(checks: 1, passed: ok ? 1 : 0, firstFailure: ok ? nil : detail, last: detail)
            results.append(.init(name: "probe \(probe.name.value)", ok: ok, detail: detail))
        }
        return results
    }

    /// Starts checking the probes of `mode` (`continuous` or `on_chaos`) every `every` until `stop(mode)`.
    func start(_ mode: ChaosScenario.Probe.Mode) {
        for probe in probes where probe.mode == mode {
            let name = probe.name.value
            tallies[name] = Tally()
            loops[name] = Task {
                let every = probe.every ?? .seconds(1)
                while !Task.isCancelled {
                    let at = ContinuousClock.now
                    let (ok, detail) = await self.check(probe)
                    // A check cut short by the stop is not counted: it says nothing about the system.
                    if Task.isCancelled { break }
                    self.count(name, ok: ok, detail: detail)
                    try? await Task.sleep(until: at + every, clock: .continuous)
                }
            }
        }
    }

    /// Stops the probes of `mode`, waiting for a check in flight.
    func stop(_ mode: ChaosScenario.Probe.Mode) async {
        for probe in probes where probe.mode == mode {
            guard let loop = loops.removeValue(forKey: probe.name.value) else { continue }
            loop.cancel()
            await loop.value
        }
    }

    private func count(_ name: String, ok: Bool, detail: String) {
        var t = tallies[name] ?? Tally()
        t.checks += 1
        if ok { t.passed += 1 } else if t.firstFailure == nil { t.firstFailure = "check \(t.checks): \(detail)" }
        t.last = detail
        tallies[name] = t
    }

    /// Every probe's outcome: a `start`/`end`/`edge` probe passed when its checks did, a repeated one when the
    /// share of its checks that passed is at least its `at_least` (100% by default). A probe never reached (the
    /// drill was aborted first) is reported with no checks and not passed.
    func results() -> [DrillReport.ProbeResult] {
        probes.map { probe in
            let name = probe.name.value
            var t: Tally
            switch probe.mode {
            case .start: t = tallies[name + "#start"] ?? Tally()
            case .end: t = tallies[name + "#end"] ?? Tally()
            case .edge:
                let a = tallies[name + "#start"] ?? Tally()
                let b = tallies[name + "#end"] ?? Tally()
                t = Tally(
                    checks: a.checks + b.checks, passed: a.passed + b.passed,
                    firstFailure: a.firstFailure.map { "start: \($0)" } ?? b.firstFailure.map { "end: \($0)" },
                    last: b.checks > 0 ? b.last : a.last)
            case .continuous, .onChaos: t = tallies[name] ?? Tally()
            }
            let needs = probe.mode.repeated ? (probe.atLeast?.value ?? 100) : 100
            let share = t.checks == 0 ? 0 : Double(t.passed) / Double(t.checks) * 100
            let expected = probe.mode == .edge ? 2 : 1
            let ok = probe.mode.repeated ? t.checks > 0 && share >= needs : t.checks == expected && t.passed == t.checks
            return DrillReport.ProbeResult(
                name: name, mode: probe.mode.rawValue, what: Self.describe(probe), checks: t.checks, passed: t.passed,
                successPercent: share, needsPercent: needs, ok: ok, firstFailure: t.firstFailure,
                last: t.last.isEmpty ? nil : t.last)
        }
    }

    /// The probe in a few words (`GET http://…/health`, `cmd test -s data.db`).
    static func describe(_ probe: ChaosScenario.Probe) -> String {
        switch probe.check {
        case .http(let url, let status): "GET \(url.value)" + (status.map { " -> \($0)" } ?? "")
        case .cmd(let command, let status):
            "cmd \(command.value.arguments.joined(separator: " "))" + (status.map { " -> exit \($0)" } ?? "")
        case .prom(_, let query, let below, let above):
            "prom \(query.value)" + (above.map { " > \(PromQuery.text($0))" } ?? "")
                + (below.map { " < \(PromQuery.text($0))" } ?? "")
        }
    }

    // MARK: - One check

    /// Checks a probe once: whether it passed, and what was seen.
    func check(_ probe: ChaosScenario.Probe) async -> (Bool, String) {
        let timeout = probe.timeout ?? .seconds(2)
        switch probe.check {
        case .http(let url, let status):
            guard let answer = await http.fetch(url.value, timeout: timeout) else {
                return (false, "no answer within \(DurationParser.format(timeout))")
            }
            let statusOK = status.map { answer.status == $0 } ?? (200..<400).contains(answer.status)
            guard statusOK else {
                return (false, "status \(answer.status), needs \(status.map(String.init) ?? "2xx or 3xx")")
            }
            if let text = probe.contains?.value, !answer.body.contains(text) {
                return (false, "status \(answer.status), but the body lacks \"\(text)\"")
            }
            return (true, "status \(answer.status)")
        case .cmd(let command, let status):
            let run = await Self.run(command.value.arguments, in: root, path: binDirectory, timeout: timeout)
            guard let code = run.status else {
                return (false, "did not end within \(DurationParser.format(timeout)) (killed)")
            }
            let want = status ?? 0
            let tail = run.output.split(separator: "\n").last.map { ": " + String($0.prefix(200)) } ?? ""
            guard code == want else { return (false, "exit \(code), needs \(want)\(tail)") }
            if let text = probe.contains?.value, !run.output.contains(text) {
                return (false, "exit \(code), but the output lacks \"\(text)\"")
            }
            return (true, "exit \(code)")
        case .prom(let server, let query, let below, let above):
            guard let answer = await http.fetch(PromQuery.url(server.value, query.value), timeout: timeout) else {
                return (false, "Prometheus did not answer within \(DurationParser.format(timeout))")
            }
            return PromQuery.judge(answer, below: below, above: above)
        }
    }

    /// Runs a command in `directory` in a process group of its own, its output (stdout and stderr) captured; the
    /// group is killed after `timeout` (status nil). The verdict comes when the command exits: a process it left in
    /// the background that still holds the output pipe does not hold the probe (what was printed by then, within
    /// 100 ms, is kept). The waits happen on dispatch threads, not on the few threads Swift's tasks share.
    ///
    /// Not Foundation's `Process`: on Linux it notices an exit only once nothing holds the pipes it gave the
    /// process, so a command that starts a daemon would hold the probe (and the drill) as long as the daemon lives.
    static func run(
        _ arguments: [String], in directory: URL, path: String, timeout: Duration
    ) async -> (status: Int32?, output: String) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var fds: [Int32] = [-1, -1]
                guard grace_pipe_cloexec(&fds) == 0 else {
                    continuation.resume(returning: (127, "cannot make a pipe: errno \(errno)"))
                    return
                }
                let pid: pid_t
                do {
                    pid = try ChildProcess.spawn(
                        arguments, directory: directory, stdout: fds[1], stderr: fds[1], newProcessGroup: true,
                        path: path)
                } catch {
                    close(fds[1])
                    close(fds[0])
                    continuation.resume(returning: (127, "\(error)"))
                    return
                }
                close(fds[1])
                // Read as it comes (a command printing more than a pipe holds must not block), until every holder
                // of the pipe has closed it; the read end is closed then.
                let output = OutputBuffer()
                let drained = DispatchSemaphore(value: 0)
                let readEnd = fds[0]
                DispatchQueue.global().async {
                    var buffer = [UInt8](repeating: 0, count: 65_536)
                    while true {
                        let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                        if n < 0 && errno == EINTR { continue }
                        guard n > 0 else { break }
                        output.append(Data(buffer[0..<n]))
                    }
                    close(readEnd)
                    drained.signal()
                }
                let waited = WaitStatus()
                let exited = DispatchSemaphore(value: 0)
                let child = pid
                DispatchQueue.global().async {
                    var status: Int32 = 0
                    while waitpid(child, &status, 0) < 0 && errno == EINTR {}
                    waited.set(status)
                    exited.signal()
                }
                var status: Int32?
                if exited.wait(timeout: .now() + timeout.seconds) == .success {
                    status = waited.shellStatus
                } else {
                    _ = grace_kill_group(child, SIGKILL)
                    exited.wait()
                }
                _ = drained.wait(timeout: .now() + 0.1)
                continuation.resume(returning: (status, String(decoding: output.data, as: UTF8.self)))
            }
        }
    }
}

/// A child's wait status, set by the thread that reaped it.
private final class WaitStatus: @unchecked Sendable {
    private let lock = NSLock()
    private var status: Int32 = 0

    func set(_ value: Int32) { lock.withLock { status = value } }

    /// As a shell reports it: the exit code, or 128 + the signal that ended it.
    var shellStatus: Int32 {
        let s = lock.withLock { status }
        return s & 0x7f == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f)
    }
}

/// What a probe's command printed, appended by one dispatch thread and read by another (a lock, not an actor: both
/// sides are blocking dispatch code).
private final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()

    func append(_ chunk: Data) {
        lock.withLock { if bytes.count < 65_536 { bytes.append(chunk.prefix(65_536 - bytes.count)) } }
    }

    var data: Data { lock.withLock { bytes } }
}
