import DequeModule
import Foundation
import Interpreter
import Logging
import Synchronization

/// Writes events to the journal and tells everyone: each entry is durable before it is published to the
/// observation hub (in id order), logged, and handed to whoever waits for such an entry.
///
/// Every part of Grace journals through this one writer, from any task: appends are serialized (SQLite serializes
/// writers anyway), so entries are published in the order of their ids.
///
/// **When the journal cannot be written** (a full disk, an I/O error), Grace is *degraded*: the events are kept in
/// order, in memory, with the time they happened, and written as soon as a write succeeds again (retried every
/// `retryInterval` and before each new append), then published as usual, followed by a `grace.journal_recovered`
/// entry that says how long and how many. Meanwhile nothing is published, so the healer sees nothing to act on;
/// the healer and the API check `isWritable` and do not act either. The supervisor alone goes on restarting
/// kernels: a full disk must not turn a crash into an outage. At most `pendingLimit` events are held; past that
/// the oldest are dropped and counted (`lost` in the recovery entry).
public final class Journal: Sendable {
    private struct Waiter {
        let id: Int
        let match: @Sendable (JournalEntry) -> Bool
        let continuation: CheckedContinuation<JournalEntry, Never>
    }

    /// Events that happened while the journal could not be written, with their time.
    private struct PendingBatch {
        var events: [JournalEvent]
        var record: KernelRecord?
        var time: Date
    }

    private struct Outage {
        var since: Date
        var error: String
        var lost = 0
    }

    private struct State {
        /// The newest entries, for waiters that arrive just after what they wait for.
        var recent: [JournalEntry] = []
        var waiters: [Waiter] = []
        var nextWaiter = 0
        /// Oldest first; non-empty exactly while degraded.
        var pending: Deque<PendingBatch> = []
        var pendingEvents = 0
        var outage: Outage?
        var lastAttempt: ContinuousClock.Instant?
        var retrying = false
    }

    /// The database the journal writes to; readers (the API, `grace journal`) read entries from it directly.
    public let store: StateStore
    private let hub: ObservationHub
    private let logger: Logger
    private let state = Mutex(State())
    private static let recentLimit = 1000
    /// Events held in memory at most while the journal cannot be written.
    let pendingLimit: Int
    /// How often a degraded journal tries to write again on its own.
    let retryInterval: Duration

    /// A journal over `store` that publishes on `hub` and logs each entry to `logger`; make one per store. The hub
    /// catches a subscriber that fell far behind up from `store` (see `ObservationStream`).
    public init(
        store: StateStore, hub: ObservationHub, logger: Logger, pendingLimit: Int = 100_000,
        retryInterval: Duration = .milliseconds(500)
    ) {
        self.store = store
        self.hub = hub
        self.logger = logger
        self.pendingLimit = max(1, pendingLimit)
        self.retryInterval = retryInterval
        hub.setBackfill { after, limit in (try? store.events(after: after, limit: limit)) ?? [] }
    }

    /// Whether the last write succeeded and nothing waits to be written. While false, Grace is degraded: nothing
    /// but the supervisor acts.
    public var isWritable: Bool { state.withLock { $0.pending.isEmpty } }

    /// Events waiting to be written (0 unless degraded).
    public var pendingCount: Int { state.withLock { $0.pendingEvents } }

    /// Appends one event; nil when it could not be written yet (it is kept and written later; see the type).
    @discardableResult
    public func append(_ event: JournalEvent) -> JournalEntry? {
        append([event]).first
    }

    /// Appends events in one transaction: all of them are on disk or none is. `record`, when given, is saved in
    /// the same transaction. Returns the entries written, empty when they could not be written yet (they are
    /// kept, in order, and written as soon as the journal is writable again).
    @discardableResult
    public func append(_ events: [JournalEvent], saving record: KernelRecord? = nil) -> [JournalEntry] {
        guard !events.isEmpty || record != nil else { return [] }
        let batch = PendingBatch(events: events, record: record, time: Date())
        let (entries, startRetrying) = state.withLock { state -> ([JournalEntry], Bool) in
            if !state.pending.isEmpty {
                hold(batch, &state)
                let newest = flush(&state, force: false)
                return (state.pending.isEmpty ? newest : [], false)
            }
            do {
                let entries = try store.append(events, saving: record, at: batch.time)
                for entry in entries { publish(entry, &state) }
                return (entries, false)
            } catch {
                state.outage = Outage(since: batch.time, error: String(describing: error))
                logger.critical(
                    "journal write failed; Grace is degraded: it acts on nothing but restarts until it can write again",
                    metadata: [
                        "error": .string(String(describing: error)), "event": .string(events.first?.kindName ?? "-"),
                    ])
                hold(batch, &state)
                state.lastAttempt = ContinuousClock.now
                guard !state.retrying else { return ([], false) }
                state.retrying = true
                return ([], true)
            }
        }
        if startRetrying { retryInBackground() }
        return entries
    }

    /// Tries to write what waits now (a degraded journal also tries on its own every `retryInterval`). Returns
    /// whether the journal is writable afterwards.
    @discardableResult
    public func retryPending() -> Bool {
        state.withLock { state in
            flush(&state, force: true)
            return state.pending.isEmpty
        }
    }

    private func hold(_ batch: PendingBatch, _ state: inout State) {
        state.pending.append(batch)
        state.pendingEvents += batch.events.count
        while state.pendingEvents > pendingLimit, state.pending.count > 1, let oldest = state.pending.popFirst() {
            state.pendingEvents -= oldest.events.count
            state.outage?.lost += oldest.events.count
        }
    }

    /// Writes waiting batches in order until one fails; once none is left, journals the outage and leaves
    /// degraded mode. Unless `force`, does nothing within `retryInterval` of the last attempt. Returns the entries of
    /// the last batch written.
    @discardableResult
    private func flush(_ state: inout State, force: Bool) -> [JournalEntry] {
        guard !state.pending.isEmpty else { return [] }
        let now = ContinuousClock.now
        if !force, let last = state.lastAttempt, now - last < retryInterval { return [] }
        state.lastAttempt = now
        var newest: [JournalEntry] = []
        while let batch = state.pending.first {
            do {
                newest = try store.append(batch.events, saving: batch.record, at: batch.time)
                state.pending.removeFirst()
                state.pendingEvents -= batch.events.count
                for entry in newest { publish(entry, &state) }
            } catch {
                state.outage?.error = String(describing: error)
                return []
            }
        }
        guard let outage = state.outage else { return newest }
        state.outage = nil
        let outageLength = Duration.milliseconds(Int64(Date().timeIntervalSince(outage.since) * 1000))
        let recovered = JournalEvent.graceJournalRecovered(outage: outageLength, error: outage.error, lost: outage.lost)
        if let entries = try? store.append([recovered]) {
            for entry in entries { publish(entry, &state) }
        }
        logger.notice(
            "journal writable again; the events of the outage are written",
            metadata: ["since": .string(outage.since.description), "lost": .stringConvertible(outage.lost)])
        return newest
    }

    private func retryInBackground() {
        let interval = retryInterval
        Task.detached { [weak self] in
            while let self {
                try? await Task.sleep(for: interval)
                let done = self.state.withLock { state -> Bool in
                    self.flush(&state, force: true)
                    if state.pending.isEmpty { state.retrying = false }
                    return state.pending.isEmpty
                }
                if done { return }
            }
        }
    }

    private func publish(_ entry: JournalEntry, _ state: inout State) {
        PlaybookCoverage.note(entry.event)
        state.recent.append(entry)
        if state.recent.count > Self.recentLimit + Self.recentLimit / 4 {
            state.recent.removeFirst(state.recent.count - Self.recentLimit)
        }
        var remaining: [Waiter] = []
        for waiter in state.waiters {
            if waiter.match(entry) { waiter.continuation.resume(returning: entry) } else { remaining.append(waiter) }
        }
        state.waiters = remaining
        hub.publish(.journal(entry))
        var metadata: Logger.Metadata = ["kernel": .string(entry.kernel ?? "-")]
        for (key, value) in entry.fields where metadata[key] == nil { metadata[key] = .string(value) }
        logger.info("\(entry.kind)", metadata: metadata)
    }

    /// Waits for the first entry after `afterID` that matches, among the recent ones and those to come (tests and
    /// drills wait on events, never on sleep).
    public func waitForEntry(after afterID: Int64 = 0, _ match: @escaping @Sendable (JournalEntry) -> Bool) async
        -> JournalEntry
    {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                if let hit = state.recent.first(where: { $0.id > afterID && match($0) }) {
                    continuation.resume(returning: hit)
                    return
                }
                state.nextWaiter += 1
                state.waiters.append(
                    Waiter(id: state.nextWaiter, match: { $0.id > afterID && match($0) }, continuation: continuation))
            }
        }
    }

    /// Waits for an entry of `kind` (about `kernel`, when given) after `afterID`.
    public func waitForEntry(kind: JournalKind, kernel: String? = nil, after afterID: Int64 = 0) async -> JournalEntry {
        await waitForEntry(after: afterID) { $0.kind == kind.rawValue && (kernel == nil || $0.kernel == kernel) }
    }
}
