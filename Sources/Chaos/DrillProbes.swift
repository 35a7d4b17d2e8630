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
        }
    }

    /// Runs a command in `directory`, its output (stdout and stderr) captured; killed after `timeout` (status nil).
    /// The wait happens on a dispatch thread, not on one of the few threads Swift's tasks share.
    static func run(
        _ arguments: [String], in directory: URL, path: String, timeout: Duration
    ) async -> (status: Int32?, output: String) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = arguments
                process.currentDirectoryURL = directory
                var environment = ProcessInfo.processInfo.environment
                environment["PATH"] = path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
                process.environment = environment
                let out = Pipe()
                process.standardOutput = out
                process.standardError = out
                process.standardInput = FileHandle.nullDevice
                do { try process.run() } catch {
                    continuation.resume(returning: (127, "cannot run \(arguments.first ?? ""): \(error)"))
                    return
                }
                let killed = KillFlag()
                let pid = process.processIdentifier
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout.seconds) {
                    if process.isRunning {
                        killed.set()
                        kill(pid, SIGKILL)
                    }
                }
                // At most 64 KiB is kept: a probe's verdict needs its start, not a flood.
                let data = out.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let text = String(decoding: data.prefix(65_536), as: UTF8.self)
                continuation.resume(returning: (killed.isSet ? nil : process.terminationStatus, text))
            }
        }
    }
}

/// A flag set from one dispatch thread and read from another.
private final class KillFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
