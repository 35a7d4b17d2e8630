import Foundation
import GraceDSL
import Interpreter

/// Replays recorded history (the journal and the history records) against a configuration: the inputs the live
/// trigger engine saw, in order, what it decided then, and the comparison with what `graph` decides now.
public enum HistoryReplay {
    /// What the live engine saw between `from` and `to`, and what it decided.
    public struct Recording: Sendable {
        /// Journal events and history records in time order (journal first at equal times), the history read page
        /// by page as the replay goes.
        public var inputs: RecordedInputs
        /// The live decisions (`trigger.fired`, `trigger.suppressed`) from `from` to `to`.
        public var decisions: [ReplayDecision]
        /// Reloads of the configuration between `from` and `to`.
        public var reloads: Int
        /// The oldest raw history record kept, if any.
        public var historySince: Date?
        /// When the Grace running at the start of the recording started; nil when none was running.
        public var runningSince: Date?
        /// The graph that Grace ran at the start of the recording (16 hex digits of its content hash), if known.
        public var runningGraph: String?
        /// Every graph the recording names: the running one and those of the starts and reloads in it.
        public var graphs: [String]
    }

    /// Reads what the live engine saw from `from - warmup` to `to`, and what it decided from `from` to `to`.
    public static func recording(store: StateStore, from: Date, to: Date, warmup: Duration) throws -> Recording {
        let start = from.addingTimeInterval(-Double(warmup.milliseconds) / 1000)
        var journal: [ReplayInput] = []
        var decisions: [ReplayDecision] = []
        var reloads = 0
        let running = try runningSince(store, at: start)
        var graphs = running?.graph.map { [$0] } ?? []
        for entry in try store.events(from: start, to: to) {
            var marker: ReplayInput.Marker?
            var graph: String?
            switch entry.event {
            case .graceStarted(let hash, _):
                marker = .graceStarted
                graph = hash
            case .graceReexec: marker = .graceStarted
            case .graceStopped: marker = .graceStopped
            case .configReloaded(_, let hash, _, _, _, _):
                marker = .reloaded
                graph = hash
                if entry.time >= from { reloads += 1 }
            case .triggerFired(let trigger, let playbook, let kernel, let evidence, _) where entry.time >= from:
                decisions.append(
                    ReplayDecision(
                        time: entry.time, trigger: trigger, kernel: kernel, playbook: playbook, reason: nil,
                        evidence: evidence))
            case .triggerSuppressed(let trigger, let reason, let kernel, let evidence) where entry.time >= from:
                decisions.append(
                    ReplayDecision(
                        time: entry.time, trigger: trigger, kernel: kernel, playbook: nil, reason: reason,
                        evidence: evidence))
            default: break
            }
            let events = ObservedEvents.events(from: entry.event)
            if let graph, !graphs.contains(graph) { graphs.append(graph) }
            if marker != nil || !events.isEmpty {
                journal.append(ReplayInput(time: entry.time, events: events, marker: marker, graph: graph))
            }
        }
        return Recording(
            inputs: RecordedInputs(journal: journal, store: store, from: start, to: to), decisions: decisions,
            reloads: reloads,
            historySince: try store.historyFigures().oldestRecord, runningSince: running?.time,
            runningGraph: running?.graph, graphs: graphs)
    }

    /// When the Grace running at `time` started: the last start before it, unless a stop came after that start.
    static func runningSince(_ store: StateStore, at time: Date) throws -> (time: Date, graph: String?)? {
        let kinds = [JournalKind.graceStarted, .graceReexec, .graceStopped].map(\.rawValue)
        guard let last = try store.lastEvent(before: time, kinds: kinds), last.kind != JournalKind.graceStopped.rawValue
        else { return nil }
        // The graph running then: the last reload before `time` after that start, else the start's.
        var graph: String?
        if case .graceStarted(let hash, _) = last.event { graph = hash }
        if let reload = try store.lastEvent(before: time, kinds: [JournalKind.configReloaded.rawValue]),
            reload.id > last.id, case .configReloaded(_, let hash, _, _, _, _) = reload.event
        {
            graph = hash
        }
        return (last.time, graph)
    }

    /// The journal's inputs (in memory: they are few) merged by time with the history records, read from the store
    /// 20,000 at a time; at equal times the journal entry first (the engine sees an entry after it is written). A
    /// page that cannot be read ends the history there (`failure` holds why).
    public struct RecordedInputs: Sequence, Sendable {
        let journal: [ReplayInput]
        let store: StateStore
        let from: Date
        let to: Date
        /// Why the history ended early, if it did.
        public let failure = FailureBox()

        /// Holds a read error for the caller (an iterator cannot throw).
        public final class FailureBox: @unchecked Sendable {
            // @unchecked: written by the one iterator, read by its caller after the iteration ended.
            /// The error that ended the history early, if one did.
            public var error: (any Error)?
        }

        /// Iterates the merged inputs.
        public func makeIterator() -> Iterator { Iterator(inputs: self) }

        /// The merging iterator.
        public struct Iterator: IteratorProtocol {
            let inputs: RecordedInputs
            var i = 0
            var page: [(position: (time: Int64, rowid: Int64), record: HistoryRecord)] = []
            var j = 0
            var position: (time: Int64, rowid: Int64)?
            var exhausted = false

            init(inputs: RecordedInputs) { self.inputs = inputs }

            /// The next input in time order.
            public mutating func next() -> ReplayInput? {
                if j >= page.count, !exhausted {
                    do {
                        page = try inputs.store.historyPage(
                            after: position, from: inputs.from, to: inputs.to, limit: 20_000)
                    } catch {
                        inputs.failure.error = error
                        page = []
                    }
                    j = 0
                    if page.isEmpty { exhausted = true } else { position = page[page.count - 1].position }
                }
                let record = j < page.count ? page[j].record : nil
                if i < inputs.journal.count, record.map({ inputs.journal[i].time <= $0.time }) ?? true {
                    i += 1
                    return inputs.journal[i - 1]
                }
                guard let record else { return nil }
                j += 1
                return ReplayInput(time: record.time, events: record.events)
            }
        }
    }

    /// Replays the history with the configuration that ran in each stretch of it (`configurations`, by the first 16
    /// hex digits of their content hash; `fallback` where a stretch's is not among them) and compares with what was
    /// decided then: what `grace replay --as-ran` reports.
    public static func asRan(
        configurations: [String: Replayer.Configuration], fallback: Replayer.Configuration, store: StateStore,
        from: Date, to: Date, warmup: Duration = .seconds(600), tolerance: Duration = .seconds(1)
    ) throws -> ReplayReport {
        let recording = try recording(store: store, from: from, to: to, warmup: warmup)
        var replayer = Replayer(graph: fallback.graph, disabled: fallback.disabled)
        replayer.others = configurations
        replayer.initial = recording.runningGraph
        let replayed = replayer.decisions(
            over: recording.inputs, from: from, to: to, runningSince: recording.runningSince)
        var notes = notes(recording, from: from).filter { !$0.hasPrefix("the configuration was reloaded") }
        let missing = recording.graphs.filter { configurations[$0] == nil }
        if !missing.isEmpty {
            notes.append(
                "no configuration found for graph(s) \(missing.joined(separator: ", ")) (not in the git history "
                    + "searched): those stretches were replayed with the configuration on disk")
        }
        return ReplayReport.compare(
            recorded: recording.decisions, replayed: replayed, from: from, to: to, tolerance: tolerance, notes: notes)
    }

    /// Replays two configurations over the same recording and compares them: what `now` decides against what `then`
    /// decides (not against the journal), so that the difference is the change's alone (`grace plan --replay`).
    public static func compare(
        then: ExecutionGraph, now: ExecutionGraph, store: StateStore, from: Date, to: Date,
        warmup: Duration = .seconds(600), tolerance: Duration = .seconds(1)
    ) throws -> ReplayReport {
        let recording = try recording(store: store, from: from, to: to, warmup: warmup)
        func decisions(_ graph: ExecutionGraph) -> [ReplayDecision] {
            Replayer(graph: graph, disabled: RuntimeSupport.unobservableTriggers(in: graph))
                .decisions(over: recording.inputs, from: from, to: to, runningSince: recording.runningSince)
        }
        return ReplayReport.compare(
            recorded: decisions(then), replayed: decisions(now), from: from, to: to, tolerance: tolerance,
            notes: notes(recording, from: from))
    }

    static func notes(_ recording: Recording, from: Date) -> [String] {
        var notes: [String] = []
        if let error = recording.inputs.failure.error {
            notes.append("the history could not be read to the end (\(error)): what came after was not replayed")
        }
        if recording.reloads > 0 {
            notes.append(
                "the configuration was reloaded \(recording.reloads) time(s) in the window; the replay uses one "
                    + "configuration throughout")
        }
        if let since = recording.historySince, since > from {
            notes.append(
                "metric samples, heartbeats and log lines are kept from \(ISO8601DateFormatter().string(from: since)) "
                    + "(history.raw); before that only the journal was replayed")
        } else if recording.historySince == nil {
            notes.append("no metric samples, heartbeats or log lines are kept yet; only the journal was replayed")
        }
        return notes
    }

    /// Replays `graph` over the recording of `from`...`to` and compares with what was decided then.
    public static func compare(
        graph: ExecutionGraph, store: StateStore, from: Date, to: Date, warmup: Duration = .seconds(600),
        tolerance: Duration = .seconds(1)
    ) throws -> ReplayReport {
        let recording = try recording(store: store, from: from, to: to, warmup: warmup)
        let replayed = Replayer(graph: graph, disabled: RuntimeSupport.unobservableTriggers(in: graph))
            .decisions(over: recording.inputs, from: from, to: to, runningSince: recording.runningSince)
        return ReplayReport.compare(
            recorded: recording.decisions, replayed: replayed, from: from, to: to, tolerance: tolerance,
            notes: notes(recording, from: from))
    }
}
