import Foundation
import Interpreter
import Runtime

/// Playbook runs and their steps, rebuilt from the journal (`run.*`, `step.*`) and kept up to date from live
/// entries. Pure value: entries in, views out. Holds the newest `capacity` runs.
struct RunIndex: Sendable {
    struct Step: Sendable {
        var index: Int
        var name: String
        var action: String?
        var state = "running"
        var startedAt: Date?
        var finishedAt: Date?
        var attempts = 0
        var detail: String?
        var error: String?
    }

    struct Run: Sendable {
        var id: String
        var playbook: String
        var trigger: String?
        var state = "running"
        var startedAt: Date
        var finishedAt: Date?
        var arguments: [String: String] = [:]
        var error: String?
        var steps: [Step] = []
    }

    /// Journal kinds the index reads.
    static let kinds: [String] = [
        JournalKind.runStarted, .runSucceeded, .runFailed, .runEscalated, .runInterrupted, .runAbandoned,
        .runSuperseded,
        .stepStarted,
        .stepSucceeded, .stepFailed, .stepSkipped,
    ].map(\.rawValue)

    let capacity: Int
    private var runs: [String: Run] = [:]
    /// Run ids, oldest first.
    private var order: [String] = []

    init(capacity: Int = 2000) {
        self.capacity = capacity
    }

    /// Newest first, optionally of one playbook.
    func list(limit: Int, playbook: String?) -> [Run] {
        var out: [Run] = []
        for id in order.reversed() {
            guard let run = runs[id] else { continue }
            if let playbook, run.playbook != playbook { continue }
            out.append(run)
            if out.count >= limit { break }
        }
        return out
    }

    func run(_ id: String) -> Run? { runs[id] }

    mutating func apply(_ entry: JournalEntry) {
        let time = entry.time
        switch entry.event {
        case .runStarted(let id, let playbook, let trigger, let arguments, _):
            var run = Run(id: id, playbook: playbook, trigger: trigger, startedAt: time)
            run.arguments = arguments
            insert(run)
        case .runSucceeded(let id, let playbook):
            update(id, playbook: playbook, at: time) {
                $0.state = "succeeded"
                $0.finishedAt = time
            }
        case .runFailed(let id, let playbook, let error):
            finish(id, playbook: playbook, at: time, error: error)
        case .runInterrupted(let id, let playbook, _):
            finish(id, playbook: playbook, at: time, error: entry.kind)
        case .runAbandoned(let id, let playbook):
            finish(id, playbook: playbook, at: time, error: entry.kind)
        case .runSuperseded(let id, let playbook, let by, let reason):
            update(id, playbook: playbook, at: time) {
                $0.state = "superseded"
                $0.finishedAt = time
                $0.error = "superseded by run \(by): \(reason)"
            }
        case .stepStarted(let id, let index, let name, let action, let attempt):
            updateStep(id, index: index, name: name, at: time) { step in
                step.state = "running"
                if step.startedAt == nil { step.startedAt = time }
                step.finishedAt = nil
                step.action = action
                step.attempts = max(step.attempts + 1, attempt)
            }
        case .stepSucceeded(let id, let index, let name, let detail):
            updateStep(id, index: index, name: name, at: time) { step in
                step.state = "succeeded"
                step.finishedAt = time
                step.detail = detail
                step.error = nil
            }
        case .stepFailed(let id, let index, let name, let error, _):
            updateStep(id, index: index, name: name, at: time) { step in
                step.state = "failed"
                step.finishedAt = time
                step.error = error
            }
        case .stepSkipped(let id, let index, let name, let reason):
            updateStep(id, index: index, name: name, at: time) { step in
                step.state = "skipped"
                step.detail = reason
            }
        default:
            break
        }
    }

    private mutating func finish(_ id: String, playbook: String, at time: Date, error: String) {
        update(id, playbook: playbook, at: time) {
            $0.state = "failed"
            $0.finishedAt = time
            $0.error = error
        }
    }

    private mutating func updateStep(
        _ id: String, index: Int, name: String, at time: Date, _ change: (inout Step) -> Void
    ) {
        update(id, playbook: nil, at: time) { run in
            var step = run.steps.first { $0.index == index } ?? Step(index: index, name: name)
            change(&step)
            if let i = run.steps.firstIndex(where: { $0.index == index }) {
                run.steps[i] = step
            } else {
                run.steps.append(step)
                run.steps.sort { $0.index < $1.index }
            }
        }
    }

    /// Changes a run; a run whose start was not seen (older than the index, or refused before starting) is
    /// made from this entry.
    private mutating func update(_ id: String, playbook: String?, at time: Date, _ change: (inout Run) -> Void) {
        if runs[id] == nil {
            insert(Run(id: id, playbook: playbook ?? "?", trigger: nil, startedAt: time))
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
