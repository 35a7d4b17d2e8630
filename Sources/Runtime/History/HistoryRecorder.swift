import Foundation
import GraceDSL
import Interpreter
import Logging
import Synchronization

/// Keeps what the trigger engine sees that the journal does not record (metric samples, heartbeats, log lines,
/// sightings, file and certificate checks) in the state database's history, for `grace replay` and
/// `grace explain`. Records are buffered and written once a second in one transaction; the retention
/// (`history:` in the grace document) is applied every ten minutes. A log flood beyond `log_lines` a second per
/// kernel is counted, not kept.
public final class HistoryRecorder: Sendable {
    private struct State {
        var buffer: [HistoryRecord] = []
        /// Lines kept this second, per kernel.
        var lines: [String: (second: Int64, count: Int)] = [:]
        var droppedLines = 0
        var droppedRecords = 0
        var settings: GraceSettings.History
    }

    private let state: Mutex<State>
    private let store: StateStore
    /// Records buffered at most while the database cannot be written; the oldest go first past it.
    static let bufferLimit = 100_000

    /// A recorder into `store` under `settings`.
    public init(store: StateStore, settings: GraceSettings.History) {
        self.store = store
        state = Mutex(State(settings: settings))
    }

    /// The retention of a reloaded configuration.
    public func update(_ settings: GraceSettings.History) {
        state.withLock { $0.settings = settings }
    }

    /// Keeps the events one observation became, seen at `time`.
    public func record(_ events: [Event], at time: Date = Date()) {
        let records = HistoryRecord.records(for: events, at: time)
        guard !records.isEmpty else { return }
        let second = Int64(time.timeIntervalSince1970)
        state.withLock { s in
            for record in records {
                if record.kind == .log, let kernel = record.kernel {
                    var count = s.lines[kernel].map { $0.second == second ? $0.count : 0 } ?? 0
                    guard count < s.settings.logLinesPerSecond else {
                        s.droppedLines += 1
                        continue
                    }
                    count += 1
                    s.lines[kernel] = (second, count)
                }
                s.buffer.append(record)
            }
            if s.buffer.count > Self.bufferLimit {
                let excess = s.buffer.count - Self.bufferLimit
                s.buffer.removeFirst(excess)
                s.droppedRecords += excess
            }
        }
    }

    /// Log lines not kept because their kernel wrote more than `log_lines` in a second.
    public var droppedLogLines: Int { state.withLock { $0.droppedLines } }
    /// Records lost because the database could not be written for long.
    public var droppedRecords: Int { state.withLock { $0.droppedRecords } }

    /// Writes what is buffered; on failure it stays buffered for the next flush.
    public func flush() throws {
        let records = state.withLock { s -> [HistoryRecord] in
            defer { s.buffer.removeAll(keepingCapacity: true) }
            return s.buffer
        }
        do {
            try store.appendHistory(records)
        } catch {
            state.withLock { s in s.buffer.insert(contentsOf: records, at: 0) }
            throw error
        }
    }

    /// Applies the retention as of `now`.
    @discardableResult
    public func prune(now: Date = Date()) throws -> Int {
        let settings = state.withLock { $0.settings }
        return try store.pruneHistory(
            rawBefore: now.addingTimeInterval(-Self.seconds(settings.raw)),
            rollupsBefore: now.addingTimeInterval(-Self.seconds(settings.retention)), every: settings.downsample)
    }

    /// Flushes every second and prunes every ten minutes (and once at start) until cancelled; a last flush on the
    /// way out.
    public func run(logger: Logger) async {
        var complained = false
        var sincePrune = Duration.seconds(600)
        while !Task.isCancelled {
            do {
                if sincePrune >= .seconds(600) {
                    try prune()
                    sincePrune = .zero
                }
                try flush()
                complained = false
            } catch {
                if !complained { logger.warning("history: cannot write the state database: \(error)") }
                complained = true
            }
            try? await Task.sleep(for: .seconds(1))
            sincePrune += .seconds(1)
        }
        try? flush()
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
