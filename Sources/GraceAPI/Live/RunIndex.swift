import Foundation
import Runtime

/// Playbook runs and their steps, rebuilt from the journal (`run.*`, `step.*`) and kept up to date from live
/// entries. Pure value: entries in, views out. Holds the newest `capacity` runs.
public struct RunIndex: Sendable {
    public struct Step: Sendable {
        public var index: Int
        public var name: String
        public var action: String?
        public var state = "running"
        public var startedAt: Date?
        public var finishedAt: Date?
        public var attempts = 0
        public var detail: String?
        public var error: String?
    }

    public struct Run: Sendable {
        public var id: String
        public var playbook: String
        public var trigger: String?
        public var state = "running"
        public var startedAt: Date
        public var finishedAt: Date?
        public var arguments: [String: String] = [:]
        public var error: String?
        public var steps: [Step] = []
    }

    /// Journal kinds the index reads.
    public static let kinds = [
        "run.started", "run.succeeded", "run.failed", "run.escalated", "run.interrupted", "run.abandoned",
        "step.started", "step.succeeded", "step.failed", "step.skipped",
    ]

    public let capacity: Int
    private var runs: [String: Run] = [:]
    /// Run ids, oldest first.
    private var order: [String] = []

    public init(capacity: Int = 2000) {
        self.capacity = capacity
    }

    /// Newest first, optionally of one playbook.
    public func list(limit: Int, playbook: String?) -> [Run] {
        var out: [Run] = []
        for id in order.reversed() {
            guard let run = runs[id] else { continue }
            if let playbook, run.playbook != playbook { continue }
            out.append(run)
            if out.count >= limit { break }
        }
        return out
    }

    public func run(_ id: String) -> Run? { runs[id] }

    public mutating func apply(_ entry: JournalEntry) {
        guard entry.kind.hasPrefix("run.") || entry.kind.hasPrefix("step."), let id = entry.fields["run"] else {
            return
        }
        let f = entry.fields
        switch entry.kind {
        case "run.started":
            var run = Run(id: id, playbook: f["playbook"] ?? "?", trigger: f["trigger"], startedAt: entry.time)
            for (key, value) in f where key.hasPrefix("arg.") { run.arguments[String(key.dropFirst(4))] = value }
            insert(run)
        case "run.succeeded":
            update(id, entry) {
                $0.state = "succeeded"
                $0.finishedAt = entry.time
            }
        case "run.failed", "run.interrupted", "run.abandoned":
            update(id, entry) {
                $0.state = "failed"
                $0.finishedAt = entry.time
                $0.error = f["error"] ?? f["reason"] ?? entry.kind
            }
        case "step.started", "step.succeeded", "step.failed", "step.skipped":
            guard let index = f["step"].flatMap({ Int($0) }) else { return }
            update(id, entry) { run in
                var step =
                    run.steps.first { $0.index == index } ?? Step(index: index, name: f["name"] ?? "step \(index)")
                switch entry.kind {
                case "step.started":
                    step.state = "running"
                    if step.startedAt == nil { step.startedAt = entry.time }
                    step.finishedAt = nil
                    step.action = f["action"] ?? step.action
                    step.attempts = max(step.attempts + 1, f["attempt"].flatMap { Int($0) } ?? 0)
                case "step.succeeded":
                    step.state = "succeeded"
                    step.finishedAt = entry.time
                    step.detail = f["detail"]
                    step.error = nil
                case "step.failed":
                    step.state = "failed"
                    step.finishedAt = entry.time
                    step.error = f["error"]
                default:
                    step.state = "skipped"
                    step.detail = f["reason"]
                }
                if let i = run.steps.firstIndex(where: { $0.index == index }) {
                    run.steps[i] = step
                } else {
                    run.steps.append(step)
                    run.steps.sort { $0.index < $1.index }
                }
            }
        default:
            break
        }
    }

    /// Changes a run; a run whose start was not seen (older than the index, or refused before starting) is
    /// made from this entry.
    private mutating func update(_ id: String, _ entry: JournalEntry, _ change: (inout Run) -> Void) {
        if runs[id] == nil {
            insert(Run(id: id, playbook: entry.fields["playbook"] ?? "?", trigger: nil, startedAt: entry.time))
        }
        guard var run = runs[id] else { return }
        change(&run)
        runs[id] = run
    }

    private mutating func insert(_ run: Run) {
        if runs[run.id] == nil { order.append(run.id) }
        runs[run.id] = run
        if order.count > capacity + capacity / 4 {
            for old in order.prefix(order.count - capacity) { runs.removeValue(forKey: old) }
            order.removeFirst(order.count - capacity)
        }
    }
}
