import Foundation
import Interpreter
import Runtime

/// The stretches of a metric's history that are not what a kernel "really uses", so that `tune` leaves them out of
/// its percentile: each excursion the tuned trigger fired on, from before it crossed the threshold to a minute
/// after the run it started ended, and every chaos drill, from its start to a minute after it finished. Without
/// this, a threshold tuned after an incident (a leak, a drill's memory fault) fits the incident's peak: the
/// shipped `api-memory-pressure` went from 160MiB to its 240MiB bound after one memory drill, and the next drill's
/// 192MiB no longer fired it.
struct IncidentWindows {
    /// The stretches, in no particular order.
    var windows: [ClosedRange<Date>] = []
    /// How many firings of the trigger and drills they come from.
    var firings = 0
    var drills = 0

    /// How long before a firing the excursion is taken to begin, beyond what its evidence says it held, and how
    /// long after a run or drill ended its aftermath lasts (a restart, the metric settling).
    static let margin: TimeInterval = 60
    /// The end of a firing whose run has not ended in the journal.
    static let openRun: TimeInterval = 600

    /// The windows of `trigger`'s firings and of chaos drills in `entries` (the journal over the intent's window
    /// and a little before), up to `now`.
    init(entries: [JournalEntry], trigger: String?, now: Date) {
        var runEnds: [String: Date] = [:]
        var drillEnds: [String: Date] = [:]
        for e in entries {
            if e.kind.hasPrefix("run."), e.kind != JournalKind.runStarted.rawValue, let run = e.fields["run"] {
                runEnds[run] = max(runEnds[run] ?? e.time, e.time)
            }
            if e.kind == JournalKind.chaosFinished.rawValue, let drill = e.fields["drill"] { drillEnds[drill] = e.time }
        }
        for e in entries {
            switch e.kind {
            case JournalKind.triggerFired.rawValue where trigger != nil && e.fields["trigger"] == trigger:
                let held = (e.fields["event.held_ms"].flatMap(Double.init) ?? 0) / 1000
                let end = e.fields["run"].flatMap { runEnds[$0] } ?? min(now, e.time.addingTimeInterval(Self.openRun))
                windows.append(
                    e.time.addingTimeInterval(-held - Self.margin)...max(e.time, end).addingTimeInterval(Self.margin))
                firings += 1
            case JournalKind.chaosStarted.rawValue:
                let end = e.fields["drill"].flatMap { drillEnds[$0] } ?? now
                windows.append(e.time...max(e.time, end).addingTimeInterval(Self.margin))
                drills += 1
            default:
                break
            }
        }
    }

    /// Whether `time` falls in one of the windows.
    func contains(_ time: Date) -> Bool { windows.contains { $0.contains(time) } }

    /// What was left out, in words (`1 firing of api-memory-pressure and 2 chaos drills`); nil when nothing was.
    func summary(trigger: String?) -> String? {
        var parts: [String] = []
        if firings > 0 { parts.append("\(firings) firing\(firings == 1 ? "" : "s") of \(trigger ?? "the trigger")") }
        if drills > 0 { parts.append("\(drills) chaos drill\(drills == 1 ? "" : "s")") }
        return parts.isEmpty ? nil : parts.joined(separator: " and ")
    }
}
