// HealBench — in-process figures for issue 4's benchmarks (bench/heal/run.sh runs it and the end-to-end part):
//
//   (a) trigger evaluation throughput: 1,000 triggers of mixed kinds over 100 kernels, compiled by `Compiler`,
//       evaluated by `TriggerEngine`, fed 1,000,000 mixed events (metric samples, log lines, exits, restarts);
//   (b) the compile + diff half of a reload: a 1,000-kernel configuration, one kernel changed, compiled again
//       and compared with `GraphDiff`.
//
//   HealBench [--events N] [--runs N] [--budget SECONDS] [--loop-events N] [--kind-events N] [--reload-runs N]
//             [--json PATH]
//
// Inputs are generated from a fixed seed, so every run evaluates the same events. Times are medians, of CPU time of
// the evaluating thread and of wall time. The full stream runs `--runs` times (5), but no more once `--budget`
// seconds (600) are spent after the third (before the trigger index, one pass over 1,000,000 events took minutes).

import Foundation
import GraceDSL

#if HEAL_LOCAL_INTERPRETER
    import HealInterpreter
#else
    import Interpreter
#endif

// MARK: - Options

struct Options {
    var events = 1_000_000
    var runs = 5
    var reloadRuns = 10
    var budget = 600.0
    var loopEvents = 1_000_000
    var kindEvents = 50_000
    var json: String?

    static func parse() -> Options {
        var o = Options()
        var args = CommandLine.arguments.dropFirst()
        func value(_ flag: String) -> String {
            guard let v = args.popFirst() else { fail("\(flag) needs a value") }
            return v
        }
        while let flag = args.popFirst() {
            switch flag {
            case "--events": o.events = Int(value(flag)) ?? o.events
            case "--runs": o.runs = max(1, Int(value(flag)) ?? o.runs)
            case "--reload-runs": o.reloadRuns = max(1, Int(value(flag)) ?? o.reloadRuns)
            case "--budget": o.budget = Double(value(flag)) ?? o.budget
            case "--loop-events": o.loopEvents = max(1, Int(value(flag)) ?? o.loopEvents)
            case "--kind-events": o.kindEvents = max(1, Int(value(flag)) ?? o.kindEvents)
            case "--json": o.json = value(flag)
            default: fail("unknown argument \(flag)\nusage: HealBench [--events N] [--runs N] [--budget SECONDS] [--loop-events N] [--kind-events N] [--reload-runs N] [--json PATH]")
            }
        }
        return o
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("HealBench: \(message)\n".utf8))
    exit(2)
}

func say(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Nanoseconds on the monotonic clock.
func nanos() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// CPU time of the calling thread, in nanoseconds: on a machine others load, the steadier figure.
func threadCPUNanos() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// SplitMix64: a small deterministic generator, so every run sees the same inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func compileOrDie(_ text: String, path: String, checkExecutables: Bool = false) -> ExecutionGraph {
    let options = CompilerOptions(checkExecutables: checkExecutables, root: "/")
    let result = Compiler(options: options).compile([SourceFile(path: path, text: text)])
    guard let graph = result.graph else {
        let errors = result.diagnostics.filter { $0.severity == .error }.prefix(10)
            .map { "\($0.span.file):\($0.span.start.line):\($0.span.start.column): \($0.code.rawValue) \($0.message)" }
        fail("the generated configuration \(path) does not compile:\n" + errors.joined(separator: "\n"))
    }
    return graph
}

// MARK: - (a) Trigger evaluation throughput

/// The trigger configuration: 100 kernels, two playbooks, 1,000 triggers.
enum TriggerConfig {
    static let kernelCount = 100
    static func kernel(_ i: Int) -> String { String(format: "k%03d", i % kernelCount) }

    /// Counts of each trigger kind in the generated configuration, for the report.
    nonisolated(unsafe) static var mix: [String: Int] = [:]

    static let logPatterns = [
        #"timeout after (?<ms>\d+)ms"#, #"connection to \S+ refused"#, "FATAL", "out of memory",
        #"panic: .*"#, "deadlock detected",
    ]

    static func text() -> String {
        var out = """
            kind: grace
            name: heal-bench
            limits: {concurrent_runs: 4, rate: {runs: 30, per: 1m}}
            ---
            kind: playbook
            name: heal
            params: {kernel: {type: kernel}}
            steps: [{restart: "{{ kernel }}"}]
            ---
            kind: playbook
            name: note
            params: {msg: {type: string}}
            steps: [{notify: "{{ msg }}"}]

            """
        for k in 0..<kernelCount {
            out += "---\nkind: kernel\nname: \(kernel(k))\ncommand: [/bin/sleep, \"1000\"]\n"
        }
        func trigger(_ i: Int, _ kind: String, _ when: String, kernel k: String? = nil, cooldown: Bool = false) {
            mix[kind, default: 0] += 1
            out += "---\nkind: trigger\nname: t\(String(format: "%04d", i))\nwhen: \(when)\n"
            if let k {
                out += "run: heal\nwith: {kernel: \"\(k)\"}\n"
            } else {
                out += "run: note\nwith: {msg: \"t\(i) fired\"}\n"
            }
            if cooldown { out += "cooldown: 1m\n" }
        }
        for i in 0..<1000 {
            let k = kernel(i)
            switch i {
            case 0..<10:
                // Wildcard exits: they see every exit event.
                let variants = [
                    #"{exit: "*"}"#, #"{exit: "*", codes: [1, 2]}"#, #"{exit: "*", signals: [SIGKILL, SIGSEGV]}"#,
                    #"{exit: "*", codes: [137]}"#, #"{exit: "*", expected: true}"#,
                ]
                mix["exit *", default: 0] += 1
                out += "---\nkind: trigger\nname: t\(String(format: "%04d", i))\nwhen: \(variants[i % variants.count])\n"
                out += "run: heal\nwith: {kernel: \"{{ event.kernel }}\"}\ncooldown: 10s\n"
            case 10..<200:
                let variants = ["{exit: \(k)}", "{exit: \(k), codes: [1, 137]}", "{exit: \(k), signals: [SIGSEGV, SIGABRT]}"]
                trigger(i, "exit KERNEL", variants[i % variants.count], kernel: k)
            case 200..<440:
                let variants = [
                    "{metric: cpu, kernel: \(k), above: 90%, for: 30s}",
                    "{metric: memory_rss, kernel: \(k), above: 400MiB, for: 1m}",
                    "{metric: open_fds, kernel: \(k), above: 1000, for: 10s}",
                    "{metric: threads, kernel: \(k), above: 200, for: 30s}",
                ]
                trigger(i, "metric KERNEL for:", variants[i % variants.count], kernel: k, cooldown: true)
            case 440..<450:
                let variants = [
                    "{metric: host_load1, above: 8, for: 1m}", "{metric: host_memory, above: 95%, for: 30s}",
                    "{metric: host_cpu, above: 90%, for: 1m}", "{metric: disk_free, below: 1GiB, for: 5m}",
                ]
                trigger(i, "metric host for:", variants[i % variants.count], cooldown: true)
            case 450..<695:
                let pattern = logPatterns[i % logPatterns.count]
                let stream = i % 3 == 0 ? ", stream: stderr" : ""
                let count = i % 2 == 0 ? ", count: 3, within: 1m" : ""
                trigger(i, "log KERNEL", "{log: '\(pattern)', kernel: \(k)\(stream)\(count)}", kernel: k)
            case 695..<700:
                // Wildcard log patterns: the regex runs on every log line.
                let pattern = logPatterns[i % logPatterns.count]
                trigger(i, "log *", "{log: '\(pattern)', kernel: \"*\", count: 5, within: 1m}", cooldown: true)
            case 700..<800:
                trigger(i, "restarts KERNEL", "{restarts: \(k), count: 5, within: 1m}", kernel: k)
            case 800..<900:
                let when = i % 2 == 0
                    ? "{all: [{exit: \(k)}, {log: 'FATAL', kernel: \(k)}], within: 1m}"
                    : "{all: [{metric: cpu, kernel: \(k), above: 80%}, {metric: memory_rss, kernel: \(k), above: 300MiB}], within: 2m}"
                trigger(i, "all [2]", when, kernel: k)
            default:
                trigger(
                    i, "any [3]",
                    "{any: [{exit: \(k), codes: [1]}, {metric: threads, kernel: \(k), above: 500}, {log: 'deadlock detected', kernel: \(k)}]}",
                    kernel: k)
            }
        }
        return out
    }
}

/// The event stream: metric samples, log lines, exits and restarts in fixed proportions.
enum EventStream {
    static let benignLines = [
        "2026-11-26 10:00:00,123 INFO http: GET /orders 200 in 12ms",
        "2026-11-26 10:00:00,456 INFO store: appended record 48213",
        "2026-11-26 10:00:01,001 WARN http: slow request GET /search took 850ms",
        "2026-11-26 10:00:01,337 INFO cache: hit ratio 0.93 over 5000 lookups",
        "2026-11-26 10:00:02,010 DEBUG pool: 12 of 64 connections in use",
        "2026-11-26 10:00:02,500 INFO http: POST /orders 201 in 31ms",
    ]
    static let matchingLines = [
        "2026-11-26 10:00:03,000 ERROR db: timeout after 5000ms waiting for a connection",
        "2026-11-26 10:00:03,100 ERROR net: connection to 10.0.0.7:5432 refused",
        "2026-11-26 10:00:03,200 FATAL main: cannot continue",
        "2026-11-26 10:00:03,300 ERROR alloc: out of memory",
        "2026-11-26 10:00:03,400 ERROR main: panic: index out of range",
        "2026-11-26 10:00:03,500 ERROR lock: deadlock detected between 2 threads",
    ]

    struct Mix {
        var metric = 0, host = 0, log = 0, logMatching = 0, exit = 0, lifecycle = 0
    }

    static func generate(_ n: Int, seed: UInt64 = 42) -> (events: [Event], mix: Mix) {
        var rng = SplitMix64(state: seed)
        var events: [Event] = []
        events.reserveCapacity(n)
        var mix = Mix()
        let kernels = (0..<TriggerConfig.kernelCount).map(TriggerConfig.kernel)
        let kernelMetrics: [(Metric, normal: ClosedRange<Double>, high: ClosedRange<Double>)] = [
            (.cpu, 1...60, 85...100), (.memory_rss, 50e6...250e6, 320e6...500e6),
            (.open_fds, 10...200, 900...1500), (.threads, 4...64, 150...600),
        ]
        let hostMetrics: [(Metric, ClosedRange<Double>)] = [
            (.host_load1, 0.1...9), (.host_memory, 20...97), (.host_cpu, 5...95), (.disk_free, 0.5e9...50e9),
        ]
        for _ in 0..<n {
            let r = Int.random(in: 0..<1000, using: &rng)
            let k = kernels[Int.random(in: 0..<kernels.count, using: &rng)]
            switch r {
            case 0..<520:
                // Kernel metric samples; 3% of them past some trigger's threshold.
                let (metric, normal, high) = kernelMetrics[Int.random(in: 0..<kernelMetrics.count, using: &rng)]
                let value = Int.random(in: 0..<100, using: &rng) < 3
                    ? Double.random(in: high, using: &rng) : Double.random(in: normal, using: &rng)
                events.append(.metric(kernel: k, metric: metric, value: value))
                mix.metric += 1
            case 520..<550:
                let (metric, range) = hostMetrics[Int.random(in: 0..<hostMetrics.count, using: &rng)]
                events.append(.metric(kernel: nil, metric: metric, value: Double.random(in: range, using: &rng)))
                mix.host += 1
            case 550..<930:
                // Log lines; 3% match one of the patterns.
                let matching = Int.random(in: 0..<100, using: &rng) < 3
                let pool = matching ? matchingLines : benignLines
                let text = pool[Int.random(in: 0..<pool.count, using: &rng)]
                let stream = Bool.random(using: &rng) ? "stdout" : "stderr"
                events.append(.logLine(kernel: k, stream: stream, text: text))
                mix.log += 1
                if matching { mix.logMatching += 1 }
            case 930..<970:
                let how = Int.random(in: 0..<4, using: &rng)
                events.append(
                    .kernelExited(
                        kernel: k, code: how < 2 ? Int32(how) : nil, signal: how == 2 ? "SIGKILL" : how == 3 ? "SIGSEGV" : nil,
                        expected: false))
                mix.exit += 1
            default:
                events.append(Bool.random(using: &rng) ? .kernelRestarting(kernel: k) : .kernelStarted(kernel: k, pid: 4242))
                mix.lifecycle += 1
            }
        }
        return (events, mix)
    }
}

struct ThroughputResult {
    var nsPerEvent: [Double]
    var runs = 0
    var suppressed = 0
    var firings: Int { runs + suppressed }
}

/// One pass over the events with a fresh engine. `healerLoop` adds what `Healer.handle` and its tick timer do
/// around `observe`: keep the timer at the earliest deadline (moved earlier when `touchedDeadline`, the earliest
/// deadline among the triggers the event touched, is sooner), and when it is due, `tick` every trigger and find
/// the next deadline with a full `nextDeadline()` scan. Here the timer "fires" at the first event at or after it.
func evaluate(_ graph: ExecutionGraph, _ events: [Event], healerLoop: Bool) -> (ns: Double, cpuNs: Double, runs: Int, suppressed: Int, ticks: Int) {
    var engine = TriggerEngine(graph: graph, context: .init(graph: graph))
    var runs = 0, suppressed = 0, ticks = 0
    func count(_ decisions: [TriggerEngine.Decision]) {
        for d in decisions {
            if case .run = d { runs += 1 } else { suppressed += 1 }
        }
    }
    let never = Duration.seconds(Int64.max / 2)
    var scheduled = healerLoop ? engine.nextDeadline() : nil
    let start = nanos()
    let cpuStart = threadCPUNanos()
    for (i, event) in events.enumerated() {
        let now = Duration.milliseconds(i)  // one event per millisecond: 1,000,000 events span 1,000 s
        count(engine.observe(event, now: now))
        if healerLoop {
            if let d = engine.touchedDeadline, d < (scheduled ?? never) { scheduled = d }
            if let due = scheduled, due <= now {
                count(engine.tick(now: now))
                ticks += 1
                scheduled = engine.nextDeadline()
            }
        }
    }
    let elapsed = Double(nanos() - start)
    let cpu = Double(threadCPUNanos() - cpuStart)
    return (elapsed / Double(events.count), cpu / Double(events.count), runs, suppressed, ticks)
}

// MARK: - (b) Reload: compile + diff

enum ReloadConfig {
    static let kernelCount = 1000
    static func kernel(_ i: Int) -> String { String(format: "k%04d", i) }

    /// The same shape as the end-to-end reload configuration of run.sh: a grace document and 1,000 sleeping
    /// kernels restarted always. `changed` gets a different argument.
    static func text(changed: Int? = nil, argument: Int = 100_000) -> String {
        var out = "kind: grace\nname: heal-bench-reload\nstate_dir: var/grace\n"
        for k in 0..<kernelCount {
            let arg = k == changed ? argument : 100_000
            out += "---\nkind: kernel\nname: \(kernel(k))\ncommand: [/bin/sleep, \"\(arg)\"]\nrestart: {policy: always}\n"
        }
        return out
    }
}

// MARK: - Main

let options = Options.parse()
var report: [String: Any] = [:]

// (a)
let triggerText = TriggerConfig.text()
var t0 = nanos()
let triggerGraph = compileOrDie(triggerText, path: "triggers.yaml")
let triggerCompileMs = Double(nanos() - t0) / 1e6
say("(a) compiled \(triggerGraph.triggers.count) triggers over \(triggerGraph.kernels.count) kernels in \(String(format: "%.1f", triggerCompileMs)) ms")
guard triggerGraph.triggers.count == 1000 else { fail("expected 1,000 triggers, got \(triggerGraph.triggers.count)") }
let (events, mix) = EventStream.generate(options.events)
say(
    "(a) \(events.count) events: \(mix.metric) kernel metric samples, \(mix.host) host samples, \(mix.log) log lines "
        + "(\(mix.logMatching) matching a pattern), \(mix.exit) exits, \(mix.lifecycle) started/restarting")

// observe: the full stream, `runs` times (at least 3; no more once `budget` seconds are spent). healer_loop: the
// first `loopEvents` events, 3 times. by_kind: the first `kindEvents` of each kind, 3 times.
var modes: [String: Any] = [:]
let budgetStart = nanos()
for (mode, healerLoop) in [("observe", false), ("healer_loop", true)] {
    let stream = healerLoop ? Array(events.prefix(options.loopEvents)) : events
    let runs = healerLoop ? 3 : options.runs
    var ns: [Double] = [], cpu: [Double] = []
    var last = (ns: 0.0, cpuNs: 0.0, runs: 0, suppressed: 0, ticks: 0)
    for run in 1...runs {
        last = evaluate(triggerGraph, stream, healerLoop: healerLoop)
        ns.append(last.ns)
        cpu.append(last.cpuNs)
        say(
            String(
                format: "(a) %@ run %d/%d over %d events: %.0f ns/event wall (%.0f events/s), %.0f ns/event CPU (%.0f events/s)",
                mode, run, runs, stream.count, last.ns, 1e9 / last.ns, last.cpuNs, 1e9 / last.cpuNs))
        if !healerLoop, run >= 3, Double(nanos() - budgetStart) / 1e9 > options.budget {
            say("(a) \(options.budget) s budget spent: stopping after \(run) runs")
            break
        }
    }
    let med = median(ns), medCPU = median(cpu)
    say("(a) \(mode): \(last.runs + last.suppressed) firings per pass (\(last.runs) runs, \(last.suppressed) suppressed), \(last.ticks) ticks")
    modes[mode] = [
        "ns_per_event_median": med, "events_per_s_median": 1e9 / med, "ns_per_event_runs": ns, "events": stream.count,
        "cpu_ns_per_event_median": medCPU, "events_per_cpu_s_median": 1e9 / medCPU, "cpu_ns_per_event_runs": cpu,
        "runs": ns.count, "ns_per_trigger_evaluation": medCPU / Double(triggerGraph.triggers.count),
        "decisions_run": last.runs, "decisions_suppressed": last.suppressed, "ticks": last.ticks,
    ]
}

// Per event kind: the same engine fed only one kind of event.
var byKind: [String: Any] = [:]
let kinds: [(String, (Event) -> Bool)] = [
    ("metric", { if case .metric = $0 { true } else { false } }),
    ("log", { if case .logLine = $0 { true } else { false } }),
    ("exit", { if case .kernelExited = $0 { true } else { false } }),
]
for (name, test) in kinds {
    let subset = Array(events.lazy.filter(test).prefix(options.kindEvents))
    guard !subset.isEmpty else { continue }
    let results = (0..<3).map { _ in evaluate(triggerGraph, subset, healerLoop: false) }
    let ns = median(results.map(\.ns)), cpu = median(results.map(\.cpuNs))
    byKind[name] = ["events": subset.count, "ns_per_event_median": ns, "cpu_ns_per_event_median": cpu]
    say(String(format: "(a) only %@ events (%d): %.0f ns/event wall, %.0f CPU", name, subset.count, ns, cpu))
}

report["throughput"] = [
    "triggers": triggerGraph.triggers.count, "kernels": triggerGraph.kernels.count, "events": events.count,
    "runs": options.runs, "compile_ms": triggerCompileMs, "trigger_mix": TriggerConfig.mix,
    "event_mix": [
        "metric": mix.metric, "host": mix.host, "log": mix.log, "log_matching": mix.logMatching, "exit": mix.exit,
        "lifecycle": mix.lifecycle,
    ],
    "modes": modes, "by_kind": byKind,
]

// (b)
let baseText = ReloadConfig.text()
t0 = nanos()
let baseGraph = compileOrDie(baseText, path: "config/kernels.yaml", checkExecutables: true)
let firstCompileMs = Double(nanos() - t0) / 1e6
guard baseGraph.kernels.count == ReloadConfig.kernelCount else { fail("expected 1,000 kernels") }
var compileDiff: [Double] = [], compileOnly: [Double] = [], diffOnly: [Double] = [], engineBuild: [Double] = []
for run in 0..<options.reloadRuns {
    let changed = 500 + run
    let text = ReloadConfig.text(changed: changed, argument: 100_001 + run)
    let start = nanos()
    let graph = compileOrDie(text, path: "config/kernels.yaml", checkExecutables: true)
    let compiled = nanos()
    let diff = GraphDiff(from: baseGraph.documentHashes, to: graph.documentHashes)
    let end = nanos()
    guard diff.kernelsToRestart == [ReloadConfig.kernel(changed)], diff.added.isEmpty, diff.removed.isEmpty else {
        fail("the diff should change exactly \(ReloadConfig.kernel(changed)): \(diff)")
    }
    // What Healer.reload also does with the new graph: build a new trigger engine (no triggers here, so this is
    // the floor; with the 1,000 triggers of (a) it is measured below).
    let e0 = nanos()
    let engine = TriggerEngine(graph: graph, context: .init(graph: graph))
    engineBuild.append(Double(nanos() - e0) / 1e6)
    _ = engine.triggerCount
    compileDiff.append(Double(end - start) / 1e6)
    compileOnly.append(Double(compiled - start) / 1e6)
    diffOnly.append(Double(end - compiled) / 1e6)
}
// The trigger engine over (a)'s 1,000 triggers, rebuilt as a reload does.
var engine1000: [Double] = []
for _ in 0..<options.reloadRuns {
    let e0 = nanos()
    let engine = TriggerEngine(graph: triggerGraph, context: .init(graph: triggerGraph))
    engine1000.append(Double(nanos() - e0) / 1e6)
    _ = engine.triggerCount
}
say(
    String(
        format: "(b) 1,000 kernels, one changed: compile + diff %.1f ms (compile %.1f, diff %.3f); first compile %.1f ms; "
            + "TriggerEngine rebuild for 1,000 triggers %.2f ms",
        median(compileDiff), median(compileOnly), median(diffOnly), firstCompileMs, median(engine1000)))
report["reload"] = [
    "kernels": ReloadConfig.kernelCount, "runs": options.reloadRuns, "bytes": baseText.utf8.count,
    "compile_diff_ms_median": median(compileDiff), "compile_ms_median": median(compileOnly),
    "diff_ms_median": median(diffOnly), "compile_diff_ms_runs": compileDiff, "first_compile_ms": firstCompileMs,
    "engine_build_1000_triggers_ms_median": median(engine1000),
]

if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
    report["load_avg"] = load.split(separator: " ").prefix(3).compactMap { Double($0) }
}

if let path = options.json {
    do {
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: path))
    } catch {
        fail("cannot write \(path): \(error)")
    }
}
