import Foundation

/// A validated fault, ready to inject.
enum Fault: Sendable {
    enum CrashHow: String, CaseIterable, Sendable { case abort, exit, segv }
    enum CorruptHow: String, CaseIterable, Sendable { case flip, torn, garbage }
    enum Reversible: String, CaseIterable, Sendable { case leak, burn, silence }

    case crash(how: CrashHow, code: Int32)
    case hang(seconds: Double?)
    case leak(mib: Int, every: Double, max: Int)
    case burn(threads: Int, seconds: Double)
    case corrupt(how: CorruptHow)
    case emit(line: String, count: Int, level: String, component: String)
    case silence(seconds: Double?)
    case require(parameter: String, example: String)
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
        ("stop", "name=leak|burn|silence (all)", nil, "end the reversible faults; leaked memory is freed"),
    ]

    /// Validates `name` with its parameters; returns the fault and its `after=` delay in seconds.
    static func parse(_ name: String, _ values: [String: String]) throws(FaultError) -> (fault: Fault, after: Double) {
        let fault: Fault
        let allowed: [String] =
            switch name {
            case "crash": ["how", "code"]
            case "hang", "silence": ["seconds"]
            case "leak": ["mb", "every", "max"]
            case "burn": ["threads", "seconds"]
            case "corrupt": ["how"]
            case "emit": ["line", "count", "level", "component"]
            case "require": ["param", "example"]
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
        case .stop: "stop"
        }
    }
}
