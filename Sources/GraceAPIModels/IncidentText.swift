import Foundation

/// An incident as text for people (`grace explain`): one section per link of the chain, each line with its time
/// after the first observation.
public enum IncidentText {
    /// The whole chain, ending with a newline.
    public static func render(_ incident: IncidentView) -> String {
        var out: [String] = []
        var head = "incident: \(incident.subject)"
        if let kernel = incident.kernel, incident.subject != "kernel \(kernel)" { head += ", kernel \(kernel)" }
        head += ": \(incident.outcome)"
        out.append(head)
        out.append(indent(incident.summary, by: 2))
        out.append("time 0 is \(format(incident.origin))")
        if !incident.observations.isEmpty {
            out.append("")
            out.append("observed")
            for moment in incident.observations { out.append(line(moment)) }
        }
        if let samples = incident.samples, !samples.isEmpty {
            out.append("")
            // At most a dozen lines: the samples evenly thinned, always with the last before the decision.
            let values = samples.map(\.value)
            out.append(
                "samples (\(samples.count) of \(samples[0].metric), min \(number(values.min() ?? 0)), "
                    + "max \(number(values.max() ?? 0)))")
            let step = max(1, (samples.count + 11) / 12)
            for i in stride(from: 0, to: samples.count, by: step) {
                let sample = samples[i]
                out.append("  \(pad(offset(sample.offsetMS), 10)) \(sample.metric) = \(number(sample.value))")
            }
        }
        if !incident.earlierDecisions.isEmpty {
            out.append("")
            out.append("earlier decisions (nothing ran)")
            for decision in incident.earlierDecisions { out += lines(decision) }
        }
        if let decision = incident.decision {
            out.append("")
            out.append("decided")
            out += lines(decision)
        }
        if !incident.runs.isEmpty {
            out.append("")
            out.append("ran")
            for run in incident.runs { out += lines(run) }
        }
        if let verification = incident.verification {
            out.append("")
            out.append("verified")
            let at = verification.offsetMS.map(offset) ?? "-"
            out.append("  \(pad(at, 10)) \(verification.outcome), kernel \(verification.kernelState)")
            out.append(indent(verification.summary, by: 13))
            for moment in verification.after { out.append(line(moment)) }
        }
        if !incident.learned.isEmpty {
            out.append("")
            out.append("learned")
            for moment in incident.learned { out.append(line(moment)) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private static func lines(_ decision: IncidentView.Decision) -> [String] {
        var out: [String] = []
        var what = "\(decision.verdict)"
        if let trigger = decision.trigger { what += " \(trigger)" }
        if let playbook = decision.playbook { what += " -> \(playbook)" }
        if let reason = decision.reason { what += " (\(reason))" }
        if let event = decision.event { what += " [event \(event)]" }
        out.append("  \(pad(offset(decision.offsetMS), 10)) \(what)")
        out.append(indent("why: \(decision.why)", by: 13))
        let shown = decision.evidence.filter { !$0.text.isEmpty }
        let width = shown.map(\.label.count).max() ?? 0
        for evidence in shown {
            out.append(String(repeating: " ", count: 13) + pad(evidence.label, width) + "  " + evidence.text)
        }
        return out
    }

    private static func lines(_ run: IncidentView.Run) -> [String] {
        var out: [String] = []
        var what = "run \(run.id) (\(run.playbook)) \(run.state)"
        if let ms = run.durationMS { what += " in \(duration(ms))" }
        if let parent = run.parent { what += ", from run \(parent)" }
        out.append("  \(pad(offset(run.offsetMS), 10)) \(what)")
        if let error = run.error { out.append(indent("error: \(error)", by: 13)) }
        let nameWidth = run.steps.map(\.name.count).max() ?? 0
        let actionWidth = run.steps.map { ($0.action ?? "-").count }.max() ?? 0
        for step in run.steps {
            var text = "#\(step.index) \(pad(step.name, nameWidth))  \(pad(step.action ?? "-", actionWidth))  "
            text += pad(step.state, 9)
            if let ms = step.durationMS { text += "  \(duration(ms))" }
            if step.attempts > 1 { text += ", \(step.attempts) attempts" }
            if let error = step.error {
                text += "  error: \(error)"
            } else if let detail = step.detail {
                text += "  \(detail)"
            }
            out.append("  \(pad(step.offsetMS.map(offset) ?? "", 10)) \(text)")
        }
        for undo in run.undos {
            var text = "undo #\(undo.index) \(undo.name) (\(undo.action))"
            if let ms = undo.durationMS { text += " \(duration(ms))" }
            text += undo.error.map { "  failed: \($0)" } ?? (undo.finishedAt == nil ? "  running" : "  done")
            out.append("  \(pad(offset(undo.offsetMS), 10)) \(text)")
        }
        if let to = run.escalatedTo { out.append(indent("escalated to \(to) (on_failure)", by: 13)) }
        return out
    }

    private static func line(_ moment: IncidentView.Moment) -> String {
        "  \(pad(offset(moment.offsetMS), 10)) \(moment.kind)\(moment.kernel.map { " \($0)" } ?? ""): \(moment.summary)"
    }

    /// `+0 ms`, `+1.20 s`, `-5.00 s`.
    static func offset(_ ms: Double) -> String {
        (ms < 0 ? "-" : "+") + duration(abs(ms))
    }

    /// `850 ms`, `12.40 s`, `3.5 min`.
    static func duration(_ ms: Double) -> String {
        if ms < 1000 { return String(format: "%.0f ms", ms) }
        if ms < 120_000 { return String(format: "%.2f s", ms / 1000) }
        return String(format: "%.1f min", ms / 60_000)
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func format(_ date: Date) -> String {
        APITime.format(date)
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func indent(_ text: String, by spaces: Int) -> String {
        String(repeating: " ", count: spaces) + text
    }
}
