/// A condition in one line of text, for explanations (`grace explain`, the journal's evidence, replay reports).
extension Condition {
    /// One line, close to how the condition is written: `metric memory of store > 80 for 30s`.
    public var summary: String {
        func of(_ kernel: Located<String>?) -> String { kernel.map { " of \($0.value)" } ?? "" }
        func threshold(_ t: Threshold) -> String { (t.direction == .above ? "> " : "< ") + t.value.value.text }
        func d(_ duration: Duration) -> String { DurationParser.format(duration) }
        switch self {
        case .exit(let target, let codes, let signals, let expected):
            var text = "exit of \(target.value)"
            if !codes.isEmpty { text += " with code \(codes.map(String.init).joined(separator: "|"))" }
            if !signals.isEmpty { text += " by \(signals.map(\.name).joined(separator: "|"))" }
            return expected ? text + " (expected exits too)" : text
        case .health(let target, let failures):
            return "health of \(target.value) fails" + (failures.map { " \($0) times" } ?? "")
        case .silence(let target, let within):
            return "silence of \(target.value)" + (within.map { " for \(d($0))" } ?? "")
        case .metric(let metric, let kernel, let t, let window):
            return "metric \(metric.value.rawValue)\(of(kernel)) \(threshold(t))"
                + (window.map { " for \(d($0))" } ?? "")
        case .predict(let metric, let kernel, let t, let within, let window):
            return "predict \(metric.value.rawValue)\(of(kernel)) \(threshold(t)) within \(d(within)) "
                + "(trend over \(d(window)))"
        case .anomaly(let metric, let kernel, let z, _, _):
            return "anomaly of \(metric.value.rawValue)\(of(kernel)) beyond z \(z)"
        case .log(let pattern, let kernel, _, let count, let within):
            return "log /\(pattern.value)/\(of(kernel))" + (count > 1 ? " \(count) times" : "")
                + (within.map { " within \(d($0))" } ?? "")
        case .signature(let target, let kernel, let count, let within):
            return "signature \(target.value)\(of(kernel))" + (count > 1 ? " \(count) times" : "")
                + (within.map { " within \(d($0))" } ?? "")
        case .file(let path, let kernel, _): return "file \(path.value)\(of(kernel)) changes"
        case .certificate(let path, let kernel, let within, _):
            return "certificate \(path.value)\(of(kernel)) expires within \(d(within))"
        case .restarts(let target, let count, let within):
            return "restarts of \(target.value): \(count) within \(d(within))"
        case .gaveUp(let target): return "gave_up of \(target.value)"
        case .configInvalid(let paths):
            return "config invalid" + (paths.isEmpty ? "" : " in \(paths.joined(separator: ", "))")
        case .deadlock(let members, let window):
            return "deadlock of \(members.map(\.value).joined(separator: ", "))"
                + (window.map { " for \(d($0))" } ?? "")
        case .memberLost(let target, let fleet):
            return "member_lost \(target.value)" + (fleet.map { " of fleet \($0.value)" } ?? "")
        case .every(let interval): return "every \(d(interval))"
        case .cron(let expression, _): return "cron \(expression.value)"
        case .all(let parts, let within):
            return "all of (" + parts.map(\.condition.summary).joined(separator: "; ") + ")"
                + (within.map { " within \(d($0))" } ?? "")
        case .any(let parts): return "any of (" + parts.map(\.condition.summary).joined(separator: "; ") + ")"
        }
    }
}
