import Foundation

/// The difference between what the triggers decided then (the journal) and what a configuration decides over the
/// same history now (`Replayer`): per trigger how often it fired and ran then and now, the runs that would start or
/// would no longer start, and the first moment each trigger's decisions differ.
public struct ReplayReport: Sendable, Codable {
    /// One trigger's firings then and now.
    public struct TriggerCounts: Sendable, Codable, Hashable {
        /// The trigger's name.
        public var trigger: String
        /// Firings recorded in the window (run or suppressed).
        public var firedThen: Int
        /// Firings of the replay.
        public var firedNow: Int
        /// Recorded firings that started a run.
        public var runsThen: Int
        /// Replayed firings that would start a run.
        public var runsNow: Int
        /// The first moment a decision of this trigger has no counterpart on the other side; nil when they agree.
        public var firstDifference: Date?
    }

    /// A run that one side starts and the other does not.
    public struct RunChange: Sendable, Codable, Hashable {
        /// `would start` (only the replay runs it) or `would no longer start` (only the recorded history ran it).
        public var change: String
        /// When.
        public var time: Date
        /// The trigger.
        public var trigger: String
        /// The kernel of the firing, if any.
        public var kernel: String?
        /// The playbook.
        public var playbook: String
        /// What the condition saw (the replayed firing's evidence, or the recorded one's).
        public var evidence: [String: String]
    }

    /// The window replayed.
    public var from: Date
    /// The end of the window.
    public var to: Date
    /// Per trigger, sorted by name; triggers that fired on neither side are left out.
    public var triggers: [TriggerCounts]
    /// Runs that differ, in time order.
    public var changes: [RunChange]
    /// How far apart two decisions may be and still be the same decision.
    public var toleranceMS: Int64
    /// Things the reader should know (reloads in the window, history not kept).
    public var notes: [String]

    /// Whether the replay decided exactly what was decided then.
    public var identical: Bool { changes.isEmpty && triggers.allSatisfy { $0.firstDifference == nil } }
    /// Recorded firings in the window.
    public var firedThen: Int { triggers.reduce(0) { $0 + $1.firedThen } }
    /// Replayed firings.
    public var firedNow: Int { triggers.reduce(0) { $0 + $1.firedNow } }
    /// Recorded runs started.
    public var runsThen: Int { triggers.reduce(0) { $0 + $1.runsThen } }
    /// Replayed runs that would start.
    public var runsNow: Int { triggers.reduce(0) { $0 + $1.runsNow } }

    /// Compares recorded and replayed decisions. Two decisions are the same when they are of the same trigger and
    /// kernel, have the same outcome (the same playbook, or both suppressed), and are at most `tolerance` apart;
    /// each decision is matched at most once, earliest first.
    public static func compare(
        recorded: [ReplayDecision], replayed: [ReplayDecision], from: Date, to: Date,
        tolerance: Duration = .seconds(1), notes: [String] = []
    ) -> ReplayReport {
        let limit = Double(tolerance.milliseconds) / 1000
        let then = Dictionary(grouping: recorded, by: \.trigger)
        let now = Dictionary(grouping: replayed, by: \.trigger)
        var triggers: [TriggerCounts] = []
        var changes: [RunChange] = []
        for trigger in Set(then.keys).union(now.keys).sorted() {
            let a = (then[trigger] ?? []).sorted { $0.time < $1.time }
            let b = (now[trigger] ?? []).sorted { $0.time < $1.time }
            var matchedB = [Bool](repeating: false, count: b.count)
            var unmatchedA: [ReplayDecision] = []
            var low = 0
            for decision in a {
                while low < b.count, b[low].time.timeIntervalSince(decision.time) < -limit { low += 1 }
                var hit: Int?
                var j = low
                while j < b.count, b[j].time.timeIntervalSince(decision.time) <= limit {
                    if !matchedB[j], b[j].kernel == decision.kernel, b[j].playbook == decision.playbook,
                        b[j].reason == decision.reason
                    {
                        hit = j
                        break
                    }
                    j += 1
                }
                if let hit { matchedB[hit] = true } else { unmatchedA.append(decision) }
            }
            let unmatchedB = b.indices.filter { !matchedB[$0] }.map { b[$0] }
            let first = (unmatchedA + unmatchedB).map(\.time).min()
            triggers.append(
                TriggerCounts(
                    trigger: trigger, firedThen: a.count, firedNow: b.count, runsThen: a.filter(\.runs).count,
                    runsNow: b.filter(\.runs).count, firstDifference: first))
            for d in unmatchedA where d.runs {
                changes.append(
                    RunChange(
                        change: "would no longer start", time: d.time, trigger: trigger, kernel: d.kernel,
                        playbook: d.playbook ?? "", evidence: d.evidence))
            }
            for d in unmatchedB where d.runs {
                changes.append(
                    RunChange(
                        change: "would start", time: d.time, trigger: trigger, kernel: d.kernel,
                        playbook: d.playbook ?? "", evidence: d.evidence))
            }
        }
        changes.sort { ($0.time, $0.trigger) < ($1.time, $1.trigger) }
        return ReplayReport(
            from: from, to: to, triggers: triggers, changes: changes, toleranceMS: tolerance.milliseconds,
            notes: notes)
    }

    /// One sentence per trigger whose runs differ: "would have fired 3 times instead of 41 over the last 24h".
    public func sentences(over window: String) -> [String] {
        triggers.filter { $0.firedThen != $0.firedNow || $0.runsThen != $0.runsNow }.map { t in
            "`\(t.trigger)` would have fired \(Self.times(t.firedNow)) instead of \(t.firedThen) over \(window)"
                + (t.runsNow != t.firedNow || t.runsThen != t.firedThen
                    ? " (runs: \(t.runsNow) instead of \(t.runsThen))" : "")
        }
    }

    private static func times(_ n: Int) -> String { n == 1 ? "once" : "\(n) times" }
}
