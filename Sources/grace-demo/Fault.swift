import Foundation

/// A validated fault, ready to inject.
enum Fault: Sendable {
    enum CrashHow: String, CaseIterable, Sendable { case abort, exit, segv }
    enum CorruptHow: String, CaseIterable, Sendable { case flip, torn, garbage }
    enum Reap: String, CaseIterable, Sendable { case signal, never }
    enum Reversible: String, CaseIterable, Sendable { case leak, burn, silence, slow, fdleak, flood, zombies }

    case crash(how: CrashHow, code: Int32)
    case hang(seconds: Double?)
    case leak(mib: Int, every: Double, max: Int)
    case burn(threads: Int, seconds: Double)
    case corrupt(how: CorruptHow)
    case emit(line: String, count: Int, level: String, component: String)
    case silence(seconds: Double?)
    case require(parameter: String, example: String)
    case fill(mib: Int, max: Int)
    case squat(seconds: Double)
    case slow(milliseconds: Int, seconds: Double?)
    case fdleak(count: Int, every: Double)
    case flood(rate: Int, seconds: Double?, level: String)
    case zombies(count: Int, every: Double, reap: Reap)
    case clock(offset: Double)
    case tls(days: Int)
    case stop(Reversible?)

    /// What `GET /fault` lists: name, parameters (defaults in parentheses), signal, what it does.
    static let catalogue: [(name: String, parameters: String, signal: String?, summary: String)] = [
        (
            "crash", "how=abort|exit|segv (abort), code=0-255 (1, with how=exit)", "SIGUSR2",
            "log a FATAL line, then abort(), exit(code) or a segmentation fault"
        ),
        (
            "hang", "seconds=DURATION (forever)", nil,
            "block the threads that serve HTTP, heartbeat, append and handle SIGTERM; the process stays alive"
        ),
        (
            "leak", "mb=1-4096 (8), every=DURATION (100ms), max=MiB (1024)", nil,
            "allocate and touch mb MiB every interval until max or /fault/stop"
        ),
        ("burn", "threads=1-64 (1), seconds=DURATION (60)", nil, "busy-loop on that many threads"),
        (
            "corrupt", "how=flip|torn|garbage (flip)", nil,
            "damage the data file: its check fails, an ERROR line, 503 on /healthz"
        ),
        (
            "emit",
            "line=TEXT (required), count=1-10000 (1), level=ERROR|FATAL|CRITICAL|WARN (ERROR), component=WORD (main)",
            nil, "log TEXT as an error line with the usual prefix"
        ),
        ("silence", "seconds=DURATION (until /fault/stop)", nil, "stop sending WATCHDOG=1, keep serving"),
        (
            "require", "param=NAME (required), example=VALUE (on)", nil,
            "require configuration parameter NAME in the environment (kept in the data directory across restarts): "
                + "until the process runs with it, GET /call answers 503 and logs an ERROR line naming it"
        ),
        (
            "fill", "mb=1-64 (1), max=MiB (1024)", nil,
            "write mb-MiB files into the --cache directory until its file system is full (ENOSPC: an ERROR line, "
                + "503 on /healthz until a write fits again) or max MiB are written"
        ),
        (
            "squat", "seconds=DURATION (10m)", nil,
            "close the listener, start a process outside Grace (its own session, no Grace environment) that takes "
                + "this port and holds it, and exit 1 once it listens: the restart meets EADDRINUSE"
        ),
        (
            "slow", "ms=1-60000 (800), seconds=DURATION (until /fault/stop)", nil,
            "delay every HTTP answer (/healthz too) by ms milliseconds"
        ),
        (
            "fdleak", "count=1-1000000 (until the descriptor limit), every=DURATION (10ms)", nil,
            "open /dev/null every interval and never close it; /fault/stop closes them"
        ),
        (
            "flood", "rate=1-100000 lines/s (2000), seconds=DURATION (until /fault/stop), level=INFO|WARN (INFO)",
            nil, "log chatter at that rate; POST /log-level?level=WARN quiets INFO chatter"
        ),
        (
            "zombies", "count=1-10000 (50), every=DURATION (20ms), reap=signal|never (signal)", "SIGCHLD",
            "start short-lived children and never reap them: zombies pile up; with reap=signal a SIGCHLD sent to "
                + "the process reaps them, with reap=never only an exit does"
        ),
        (
            "clock", "offset=[-]DURATION (1h)", nil,
            "step this process's wall clock by offset: it logs the jump as an ERROR, and its timestamps stay off "
                + "until it restarts"
        ),
        (
            "tls", "days=0-3650 (1)", "SIGHUP",
            "re-issue the --tls-cert certificate (same key, openssl) so that it expires in days; SIGHUP reloads "
                + "the certificate from its file"
        ),
        (
            "stop", "name=leak|burn|silence|slow|fdleak|flood|zombies (all)", nil,
            "end the reversible faults; leaked memory and descriptors are freed, zombies reaped"
        ),
    ]

    /// Validates `name` with its parameters; returns the fault and its `after=` delay in seconds.
    static func parse(_ name: String, _ values: [String: String]) throws(FaultError) -> (fault: Fault, after: Double) {
        let fault: Fault
        let allowed: [String] =
            switch name {
            case "crash": ["how", "code"]
            case "hang", "silence", "squat": ["seconds"]
            case "leak": ["mb", "every", "max"]
            case "burn": ["threads", "seconds"]
            case "corrupt": ["how"]
            case "emit": ["line", "count", "level", "component"]
            case "require": ["param", "example"]
            case "fill": ["mb", "max"]
            case "slow": ["ms", "seconds"]
            case "fdleak": ["count", "every"]
            case "flood": ["rate", "seconds", "level"]
            case "zombies": ["count", "every", "reap"]
            case "clock": ["offset"]
            case "tls": ["days"]
            case "stop": ["name"]
            default:
                throw FaultError(404, "no fault '\(name)'; faults: \(catalogue.map(\.name).joined(separator: ", "))")
            }
        let p = try FaultParameters(values, allowed: allowed, fault: name)
        switch name {
        case "crash":
            let how = try p.choice("how", default: CrashHow.abort)
            let code = try p.int("code", 0...255)
            if code != nil && how != .exit { throw FaultError("code applies to how=exit only") }
            fault = .crash(how: how, code: Int32(code ?? 1))
        case "hang":
            fault = .hang(seconds: try p.seconds("seconds", 0.001...86_400))
        case "silence":
            fault = .silence(seconds: try p.seconds("seconds", 0.001...86_400))
        case "leak":
            fault = .leak(
                mib: try p.int("mb", 1...4096) ?? 8, every: try p.seconds("every", 0.001...3600) ?? 0.1,
                max: try p.int("max", 1...1 << 20) ?? 1024)
        case "burn":
            fault = .burn(
                threads: try p.int("threads", 1...64) ?? 1, seconds: try p.seconds("seconds", 0.001...86_400) ?? 60)
        case "corrupt":
            fault = .corrupt(how: try p.choice("how", default: CorruptHow.flip))
        case "emit":
            guard let line = p.values["line"], !line.isEmpty else { throw FaultError("emit needs line=TEXT") }
            guard line.utf8.count <= 4096,
                !line.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw FaultError("line must be one line of at most 4096 bytes without control characters") }
            let level = p.values["level"] ?? "ERROR"
            guard ["ERROR", "FATAL", "CRITICAL", "WARN"].contains(level) else {
                throw FaultError("level must be ERROR, FATAL, CRITICAL or WARN, not '\(level)'")
            }
            let component = p.values["component"] ?? "main"
            guard (1...64).contains(component.utf8.count),
                component.unicodeScalars.allSatisfy({
                    $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0))
                })
            else { throw FaultError("component must be one word of letters, digits, '.', '_' or '-'") }
            fault = .emit(line: line, count: try p.int("count", 1...10_000) ?? 1, level: level, component: component)
        case "require":
            guard let parameter = p.values["param"],
                parameter.range(of: "^[A-Za-z_][A-Za-z0-9_]{0,63}$", options: .regularExpression) != nil
            else { throw FaultError("require needs param=NAME: letters, digits and '_', not starting with a digit") }
            let example = p.values["example"] ?? "on"
            guard example.range(of: "^[A-Za-z0-9._:/-]{1,128}$", options: .regularExpression) != nil else {
                throw FaultError("example must be one word of letters, digits and ._:/-")
            }
            fault = .require(parameter: parameter, example: example)
        case "fill":
            fault = .fill(mib: try p.int("mb", 1...64) ?? 1, max: try p.int("max", 1...1 << 20) ?? 1024)
        case "squat":
            fault = .squat(seconds: try p.seconds("seconds", 0.001...86_400) ?? 600)
        case "slow":
            fault = .slow(
                milliseconds: try p.int("ms", 1...60_000) ?? 800, seconds: try p.seconds("seconds", 0.001...86_400))
        case "fdleak":
            fault = .fdleak(
                count: try p.int("count", 1...1_000_000) ?? 1_000_000, every: try p.seconds("every", 0...3600) ?? 0.01)
        case "flood":
            let level = p.values["level"] ?? "INFO"
            guard ["INFO", "WARN"].contains(level) else {
                throw FaultError("level must be INFO or WARN, not '\(level)'")
            }
            fault = .flood(
                rate: try p.int("rate", 1...100_000) ?? 2000, seconds: try p.seconds("seconds", 0.001...86_400),
                level: level)
        case "zombies":
            fault = .zombies(
                count: try p.int("count", 1...10_000) ?? 50, every: try p.seconds("every", 0...3600) ?? 0.02,
                reap: try p.choice("reap", default: Reap.signal))
        case "clock":
            let text = p.values["offset"] ?? "1h"
            let negative = text.hasPrefix("-")
            guard let magnitude = parseSeconds(text.drop { $0 == "-" || $0 == "+" }), magnitude > 0,
                magnitude <= 10 * 365 * 86_400, text.filter({ $0 == "-" || $0 == "+" }).count <= 1
            else { throw FaultError("offset must be a duration such as 1h, -90s or 2.5m, not '\(text)'") }
            fault = .clock(offset: negative ? -magnitude : magnitude)
        case "tls":
            fault = .tls(days: try p.int("days", 0...3650) ?? 1)
        default:  // stop
            var which: Reversible?
            if p.values["name"] != nil { which = try p.choice("name", default: Reversible.leak) }
            fault = .stop(which)
        }
        return (fault, try p.seconds("after", 0...86_400) ?? 0)
    }

    /// The fault's name, as in `POST /fault/NAME`.
    var name: String {
        switch self {
        case .crash: "crash"
        case .hang: "hang"
        case .leak: "leak"
        case .burn: "burn"
        case .corrupt: "corrupt"
        case .emit: "emit"
        case .silence: "silence"
        case .require: "require"
        case .fill: "fill"
        case .squat: "squat"
        case .slow: "slow"
        case .fdleak: "fdleak"
        case .flood: "flood"
        case .zombies: "zombies"
        case .clock: "clock"
        case .tls: "tls"
        case .stop: "stop"
        }
    }
}
