import Foundation
import Interpreter
import Logging
import Synchronization

/// Writes events to the journal and tells everyone: each entry is durable before `append` returns, then
/// published to the observation hub (in id order), logged, and handed to whoever waits for such an entry.
///
/// Every part of Grace journals through this one writer, from any task: appends are serialized (SQLite serializes
/// writers anyway), so entries are published in the order of their ids.
public final class Journal: Sendable {
    private struct Waiter {
        let id: Int
        let match: @Sendable (JournalEntry) -> Bool
        let continuation: CheckedContinuation<JournalEntry, Never>
    }

    private struct State {
        /// The newest entries, for waiters that arrive just after what they wait for.
        var recent: [JournalEntry] = []
        var waiters: [Waiter] = []
        var nextWaiter = 0
    }

    /// The database the journal writes to; readers (the API, `grace journal`) read entries from it directly.
    public let store: StateStore
    private let hub: ObservationHub
    private let logger: Logger
    private let state = Mutex(State())
    private static let recentLimit = 1000

    /// A journal over `store` that publishes on `hub` and logs each entry to `logger`; make one per store.
    public init(store: StateStore, hub: ObservationHub, logger: Logger) {
        self.store = store
        self.hub = hub
        self.logger = logger
    }

    /// Appends one event. nil when the write failed: that is logged as critical, and supervision goes on (the
    /// journal is the record of truth, but a full disk must not stop Grace from restarting a kernel).
    @discardableResult
    public func append(_ event: JournalEvent) -> JournalEntry? {
        append([event]).first
    }

    /// Appends events in one transaction: all of them are on disk or none is. `record`, when given, is saved in
    /// the same transaction.
    @discardableResult
    public func append(_ events: [JournalEvent], saving record: KernelRecord? = nil) -> [JournalEntry] {
        guard !events.isEmpty || record != nil else { return [] }
        return state.withLock { state in
            let entries: [JournalEntry]
            do {
                entries = try store.append(events, saving: record)
            } catch {
                logger.critical(
                    "journal write failed: \(error)", metadata: ["event": .string(events.first?.kindName ?? "-")])
                return []
            }
            for entry in entries { publish(entry, &state) }
            return entries
        }
    }

    private func publish(_ entry: JournalEntry, _ state: inout State) {
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
