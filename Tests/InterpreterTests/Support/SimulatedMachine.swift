import Foundation
import Synchronization

@testable import Interpreter

/// A simulated runtime for the executor: records actions, fails those it is told to, reports health.
final class SimulatedMachine: ActionPerformer, Sendable {
    private struct State {
        var performed: [ResolvedAction] = []
        var failures: [String: Int] = [:]  // action summary prefix -> remaining failures
        var healthy: Set<String> = []
        var running: Set<String> = []
        var blockedUntilHealthy: Set<String> = []
    }

    private let state = Mutex(State())
    /// Where each action is also written as it is performed, when the test compares it with the journal.
    private let log: OrderedLog?

    init(log: OrderedLog? = nil) {
        self.log = log
    }

    var performed: [ResolvedAction] { state.withLock { $0.performed } }
    var summaries: [String] { performed.map(\.summary) }

    func fail(_ prefix: String, times: Int = 1) { state.withLock { $0.failures[prefix] = times } }
    func setHealthy(_ kernel: String, _ healthy: Bool = true) {
        state.withLock { s in
            if healthy { s.healthy.insert(kernel) } else { s.healthy.remove(kernel) }
        }
    }

    func perform(_ action: ResolvedAction, runID: String) async throws -> ActionOutcome {
        let failing = state.withLock { s -> Bool in
            s.performed.append(action)
            log?.append("perform \(action.summary)")
            if let key = s.failures.keys.first(where: { action.summary.hasPrefix($0) }), let n = s.failures[key], n > 0
            {
                s.failures[key] = n - 1
                return true
            }
            switch action {
            case .restart(let k, _), .start(let k):
                s.running.insert(k)
                s.healthy.insert(k)
            case .stop(let k, _, _):
                s.running.remove(k)
                s.healthy.remove(k)
            default: break
            }
            return false
        }
        if failing { throw ActionFailure("simulated failure of \(action.summary)") }
        if case .waitHealthy(let k) = action {
            while !(await isHealthy(k)) {
                try Task.checkCancellation()
                await Task.yield()
            }
        }
        return ActionOutcome(detail: action.summary)
    }

    func isHealthy(_ kernel: String) async -> Bool { state.withLock { $0.healthy.contains(kernel) } }
    func isRunning(_ kernel: String) async -> Bool { state.withLock { $0.running.contains(kernel) } }
    func fileExists(_ path: String) async -> Bool { path.hasPrefix("/exists") }
}

/// Collects run records in order.
final class RecordingJournal: RunJournal, Sendable {
    private let records = Mutex<[JournalEvent]>([])
    private let unwritable = Mutex(false)
    /// Where each record is also written, with its step, when the test compares it with the machine's actions.
    private let log: OrderedLog?

    init(log: OrderedLog? = nil) {
        self.log = log
    }

    /// Makes every later record fail (a full disk), or succeed again.
    func setWritable(_ writable: Bool) { unwritable.withLock { $0 = !writable } }

    func record(_ event: JournalEvent) async -> Bool {
        guard !unwritable.withLock({ $0 }) else { return false }
        records.withLock { $0.append(event) }
        log?.append("journal \(event.kindName)" + (event.fields["step"].map { " \($0)" } ?? ""))
        return true
    }

    var all: [JournalEvent] { records.withLock { $0 } }
    /// The kinds as stored in the journal.
    var kinds: [String] { all.map(\.kindName) }
}

/// One sequence that the journal and the machine both write to, so that a test can compare the order of what was
/// journaled with what was done.
final class OrderedLog: Sendable {
    private let entries = Mutex<[String]>([])

    func append(_ entry: String) { entries.withLock { $0.append(entry) } }

    var all: [String] { entries.withLock { $0 } }
}
