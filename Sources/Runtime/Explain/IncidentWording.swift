// How an incident chain says things: evidence keys in a useful order with labels, durations for people, a line
// per journal entry and why a decision was taken. Pure text, no I/O.
import Foundation
import Interpreter

/// The words of `grace explain`: labels for a firing's evidence, a line for an entry, why a decision was taken.
public enum IncidentWording {
    /// Known evidence keys in the order people read them, with their labels. Keys not listed follow, by name.
    static let evidenceKeys: [(key: String, label: String)] = [
        ("condition", "condition"), ("kernel", "kernel"), ("metric", "metric"), ("value", "value"),
        ("value_text", "value in unit"), ("threshold", "threshold"), ("for", "for"), ("held_ms", "held for"),
        ("samples", "samples"), ("range_text", "range in unit"),
        ("min", "min"), ("max", "max"), ("first", "first"), ("last", "last"), ("mean", "mean"), ("sd", "sd"),
        ("z", "z-score"), ("score", "score"), ("slope", "slope"), ("horizon", "horizon"), ("forecast", "forecast"),
        ("eta", "eta"), ("window", "window"), ("code", "exit code"), ("signal", "signal"), ("reason", "reason"),
        ("pattern", "pattern"), ("template", "template"), ("signature", "signature"), ("line", "line"),
        ("count", "count"), ("within", "within"), ("cooldown_left_ms", "cooldown left"),
        ("last_run_ago_ms", "last run"), ("coalesce_left_ms", "coalescing left"), ("rate", "rate"),
        ("failures", "failures"), ("span_ms", "span"),
    ]

    /// A firing's evidence, known keys first (in `evidenceKeys` order), then the others by name.
    public static func evidence(_ fields: [String: String]) -> [IncidentChain.Evidence] {
        let known = Dictionary(evidenceKeys.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { a, _ in a })
        let keys = fields.keys.sorted { a, b in
            switch (known[a], known[b]) {
            case (let x?, let y?): x < y
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): a < b
            }
        }
        return keys.map { key in
            let value = fields[key] ?? ""
            let label = known[key].map { evidenceKeys[$0].label } ?? key.replacingOccurrences(of: "_", with: " ")
            return IncidentChain.Evidence(key: key, label: label, value: value, text: text(key: key, value: value))
        }
    }

    /// A value for people: `*_ms` keys as durations, the rest as stored.
    static func text(key: String, value: String) -> String {
        if key.hasSuffix("_ms"), let ms = Double(value) { return duration(milliseconds: ms) }
        return value
    }

    /// `850 ms`, `12.40 s`, `3.5 min`.
    public static func duration(milliseconds ms: Double) -> String {
        if abs(ms) < 1000 { return String(format: "%.0f ms", ms) }
        if abs(ms) < 120_000 { return String(format: "%.2f s", ms / 1000) }
        return String(format: "%.1f min", ms / 60_000)
    }

    /// `duration` of a `Duration`.
    public static func duration(_ d: Duration) -> String {
        duration(milliseconds: Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
    }

    /// Why a trigger fired: its condition with the values it saw, in words.
    static func whyFired(trigger: String, playbook: String, evidence fields: [String: String]) -> String {
        "\(trigger) fired: \(conditionText(fields)); it ran \(playbook)"
    }

    /// Why a trigger ran nothing, from its reason and the evidence that says more (cooldown left, rate).
    static func whySuppressed(trigger: String, reason: String, evidence fields: [String: String]) -> String {
        var because: String
        switch reason {
        case "cooldown":
            because = "in its cooldown"
            var parts: [String] = []
            if let ago = fields["last_run_ago_ms"].flatMap(Double.init) {
                parts.append("the last run began \(duration(milliseconds: ago)) before")
            }
            if let left = fields["cooldown_left_ms"].flatMap(Double.init) {
                parts.append("\(duration(milliseconds: left)) of cooldown left")
            }
            if !parts.isEmpty { because += " (" + parts.joined(separator: ", ") + ")" }
        case "coalesced":
            because = "coalesced: a run for the same kernel began within the coalescing window"
            if let ago = fields["last_run_ago_ms"].flatMap(Double.init) {
                because += " (\(duration(milliseconds: ago)) before)"
            }
        case "rate-limited":
            because = "rate-limited: too many runs began recently"
            if let rate = fields["rate"] { because += " (\(rate))" }
        case "no-playbook":
            because = "no playbook to run (no binding for what it matched)"
        default:
            because = reason
        }
        return "\(trigger) held (\(conditionText(fields))) but ran nothing: \(because)"
    }

    /// The condition and the values that made it hold: `condition` when the firing carried it, else what the
    /// known keys say (`value 175MiB threshold > 160MiB for 20s`, `exit code 3`).
    static func conditionText(_ fields: [String: String]) -> String {
        var parts: [String] = []
        if let condition = fields["condition"] { parts.append(condition) }
        let shown: [(String, String)] = [
            ("metric", ""), ("value", "value "), ("threshold", "threshold "), ("for", "for "), ("held_ms", "held "),
            ("forecast", "forecast "), ("eta", "eta "), ("z", "z-score "), ("score", "score "),
            ("code", "exit code "), ("signal", "signal "), ("reason", "reason: "), ("count", "count "),
            ("within", "within "), ("signature", "signature "), ("line", "line: "),
        ]
        // The condition's own text already says what it compares with, and for how long.
        let inCondition: Set<String> = fields["condition"] == nil ? [] : ["metric", "threshold", "for"]
        for (key, prefix) in shown {
            guard let value = fields[key], !value.isEmpty, !inCondition.contains(key) else { continue }
            var part = prefix + text(key: key, value: value)
            if key == "value", let inUnit = fields["value_text"] { part += " (\(inUnit))" }
            parts.append(part)
        }
        return parts.isEmpty ? "its condition held" : parts.joined(separator: ", ")
    }

    /// One line on a journal entry, for the chain (kind-specific where it helps, the fields otherwise).
    public static func summary(_ entry: JournalEntry) -> String {
        switch entry.event {
        case .kernelExited(_, let pid, let status, let ran):
            return "exited (pid \(pid)) \(describe(status)) after \(duration(ran))"
        case .kernelUnhealthy(_, let reason, let failures):
            return "unhealthy: the probe failed \(failures) time\(failures == 1 ? "" : "s") in a row: \(reason)"
        case .kernelWatchdogTimeout(_, let after): return "no watchdog ping within \(duration(after))"
        case .kernelStartTimeout(_, _, let after): return "not ready within \(duration(after))"
        case .kernelSpawnFailed(_, let reason): return "could not be started: \(reason)"
        case .kernelGaveUp(_, let reason): return "restarts given up: \(reason)"
        case .kernelRestarting(_, let attempt, let delay):
            return "restart by policy, attempt \(attempt), after \(duration(delay))"
        case .kernelRestartRequested(_, _, let origin, let reason):
            return "restart asked for by \(origin.rawValue): \(reason)"
        case .kernelStarted(_, let pid): return "started (pid \(pid))"
        case .kernelReady(_, let pid): return "ready (pid \(pid))"
        case .kernelHealthy: return "healthy: the probe passes again"
        case .kernelKill(_, let pid, let reason): return "SIGKILL to pid \(pid): \(reason)"
        case .kernelStopping(_, let pid, let reason): return "stop signal to pid \(pid): \(reason)"
        case .kernelStopped(_, _, let status, let reason):
            return "stopped" + (status.map { " " + describe($0) } ?? "") + (reason.map { ": \($0)" } ?? "")
        case .kbOutcome(_, let v):
            return "outcome counted for signature \(v.signature) -> \(v.playbook): "
                + "\(v.healed ? "healed" : "not healed"), \(v.successes) healed / \(v.failures) not, "
                + String(format: "expected success %.0f%%", v.expectedSuccess * 100)
        case .kbBindingLearned(_, let v):
            return "learned: signature \(v.signature) is now answered by \(v.playbook)"
                + String(format: " (expected success %.0f%%)", v.expectedSuccess * 100)
        case .kbBindingDropped(_, let v):
            return "dropped the binding of signature \(v.signature) to \(v.playbook)"
                + String(format: " (expected success %.0f%%)", v.expectedSuccess * 100)
        default:
            let fields = entry.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return fields.isEmpty ? entry.kind : fields.joined(separator: " ")
        }
    }

    /// `with exit code 3`, `killed by SIGKILL`.
    private static func describe(_ status: ExitStatus) -> String {
        status.code == nil ? status.description : "with \(status.description)"
    }
}
