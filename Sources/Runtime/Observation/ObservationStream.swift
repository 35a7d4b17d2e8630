import DequeModule
import Synchronization

/// One subscriber's observations, in order. Bounded: when the subscriber falls behind, what it drops first are the
/// observations a later one supersedes (log lines, metric samples, heartbeats), oldest first. Journal entries are
/// never lost: past `journalLimit` unread entries the stream stops queueing them and, when the reader gets to
/// that point, catches up from the journal itself by id (`backfill`), so a flood costs memory up to a bound and
/// then only reading time. Graph changes are never dropped.
public final class ObservationStream: AsyncSequence, Sendable {
    /// What the stream yields.
    public typealias Element = Observation

    private enum Item {
        case observation(Observation)
        /// Journal entries after the last one queued before this point were not queued: catch up from the journal.
        case gap
    }

    private struct State {
        var queue: Deque<Item> = []
        var droppable = 0
        var journalQueued = 0
        /// Set while journal entries are not being queued (between a gap marker's enqueueing and its reading).
        var gapOpen = false
        /// Entries read from the journal after a gap, to hand out before the queue.
        var backlog: Deque<JournalEntry> = []
        /// The id of the newest journal entry handed out: later copies of it (or older ones) are skipped.
        var lastJournalID: Int64 = 0
        var waiter: CheckedContinuation<Ready, Never>?
        var finished = false
    }

    private let state = Mutex(State())
    /// Log lines, samples and heartbeats kept at most.
    let limit: Int
    /// Unread journal entries kept at most before the stream catches up from the journal instead.
    let journalLimit: Int
    /// Reads up to `limit` journal entries after an id, oldest first (the store); nil when there is no journal.
    private let backfill: (@Sendable (Int64, Int) -> [JournalEntry])?
    /// The subscriber's filter, applied to entries read back too.
    private let accepts: @Sendable (Observation) -> Bool
    private let onTermination: @Sendable () -> Void

    init(
        limit: Int, journalLimit: Int = 20_000, backfill: (@Sendable (Int64, Int) -> [JournalEntry])? = nil,
        accepts: @escaping @Sendable (Observation) -> Bool = { _ in true },
        onTermination: @escaping @Sendable () -> Void
    ) {
        self.accepts = accepts
        self.limit = Swift.max(1, limit)
        self.journalLimit = Swift.max(1, journalLimit)
        self.backfill = backfill
        self.onTermination = onTermination
    }

    /// Observations dropped so far because the subscriber fell behind (journal entries read back are not counted).
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }
    private let droppedCount = Atomic<Int>(0)
    /// How many times the subscriber fell so far behind that it caught up from the journal.
    public var catchUps: Int { catchUpCount.load(ordering: .relaxed) }
    private let catchUpCount = Atomic<Int>(0)

    func yield(_ observation: Observation) {
        let waiter = state.withLock { s -> CheckedContinuation<Ready, Never>? in
            guard !s.finished else { return nil }
            if case .journal(let entry) = observation, entry.id <= s.lastJournalID { return nil }
            if let waiter = s.waiter {
                s.waiter = nil
                if case .journal(let entry) = observation { s.lastJournalID = entry.id }
                return waiter
            }
            if case .journal = observation {
                if s.gapOpen { return nil }
                if s.journalQueued >= journalLimit, backfill != nil {
                    s.gapOpen = true
                    s.queue.append(.gap)
                    return nil
                }
                s.journalQueued += 1
            }
            s.queue.append(.observation(observation))
            if Self.isDroppable(observation) { s.droppable += 1 }
            if s.droppable > limit, let index = s.queue.firstIndex(where: Self.isDroppable) {
                s.queue.remove(at: index)
                s.droppable -= 1
                droppedCount.add(1, ordering: .relaxed)
            }
            return nil
        }
        waiter?.resume(returning: .observation(observation))
    }

    func finish() {
        let waiter = state.withLock { s -> CheckedContinuation<Ready, Never>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: .observation(nil))
    }

    private static func isDroppable(_ item: Item) -> Bool {
        if case .observation(let observation) = item { return isDroppable(observation) }
        return false
    }

    private static func isDroppable(_ observation: Observation) -> Bool {
        switch observation {
        case .journal, .configuration: false
        case .log, .metrics, .host, .heartbeat, .probe: true
        }
    }

    /// What `next` finds: an observation (nil at the end), a gap to catch up, or nothing yet.
    private enum Ready {
        case observation(Observation?)
        case catchUp(after: Int64)
        case wait
    }

    fileprivate func next() async -> Observation? {
        while true {
            let ready = await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Ready, Never>) in
                    let ready = state.withLock { s -> Ready in
                        if let entry = s.backlog.popFirst() {
                            s.lastJournalID = entry.id
                            return .observation(.journal(entry))
                        }
                        while let first = s.queue.popFirst() {
                            switch first {
                            case .gap:
                                s.gapOpen = false
                                return .catchUp(after: s.lastJournalID)
                            case .observation(let observation):
                                if Self.isDroppable(observation) { s.droppable -= 1 }
                                if case .journal(let entry) = observation {
                                    s.journalQueued -= 1
                                    // Already handed out from the backlog after a gap.
                                    if entry.id <= s.lastJournalID { continue }
                                    s.lastJournalID = entry.id
                                }
                                return .observation(observation)
                            }
                        }
                        if s.finished || Task.isCancelled { return .observation(nil) }
                        // Parked: `yield` (or `finish`) resumes it with the observation itself.
                        s.waiter = continuation
                        return .wait
                    }
                    if case .wait = ready { return }
                    continuation.resume(returning: ready)
                }
            } onCancel: {
                finish()
                onTermination()
            }
            switch ready {
            case .observation(let observation): return observation
            case .catchUp(let after): catchUp(after: after)
            case .wait: continue
            }
        }
    }

    /// Starts a new stream where an earlier reader stopped: the journal entries after `id` are handed out first,
    /// read back from the journal, and no entry up to `id` is handed out at all. Call it before reading.
    public func resume(after id: Int64) {
        state.withLock { $0.lastJournalID = Swift.max($0.lastJournalID, id) }
        catchUp(after: id)
    }

    /// Reads the journal after `id` into the backlog, in pages, until it reaches what is queued now.
    private func catchUp(after id: Int64) {
        guard let backfill else { return }
        catchUpCount.add(1, ordering: .relaxed)
        var after = id
        while true {
            let page = backfill(after, 1000)
            guard let last = page.last else { return }
            let wanted = page.filter { accepts(.journal($0)) }
            state.withLock { s in s.backlog.append(contentsOf: wanted) }
            after = last.id
            if page.count < 1000 { return }
        }
    }

    /// Reads the stream; every iterator of one stream takes from the same queue.
    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let stream: ObservationStream

        /// The oldest unread observation, waiting for one; nil once the stream is finished or the task cancelled.
        public mutating func next() async -> Observation? { await stream.next() }
    }

    /// An iterator over this stream; read it from one task.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }
}
