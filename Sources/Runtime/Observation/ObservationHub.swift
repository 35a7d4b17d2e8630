import Synchronization

/// Fans observations out to every subscriber, each through its own bounded `ObservationStream`, so that a slow
/// observer never holds up the one that publishes (the supervisor on a crash-to-restart path, a log capture).
///
/// Subscribe before anything is published that must not be missed (`buildServiceGroup` subscribes the healer and
/// the API before the supervisor boots).
public final class ObservationHub: Sendable {
    private struct Subscriber {
        let wants: @Sendable (Observation) -> Bool
        let stream: ObservationStream
    }

    private let subscribers = Mutex<[Int: Subscriber]>([:])
    private let nextID = Atomic<Int>(0)
    private let backfill = Mutex<(@Sendable (Int64, Int) -> [JournalEntry])?>(nil)

    /// Where a subscriber that fell far behind reads journal entries back from: up to `limit` entries after an id,
    /// oldest first. The journal sets it (from its store) when it is made on this hub.
    public func setBackfill(_ read: @escaping @Sendable (Int64, Int) -> [JournalEntry]) {
        backfill.withLock { $0 = read }
    }

    /// A hub without subscribers; what is published before the first `subscribe` is lost.
    public init() {}

    /// A stream of the observations `wants` accepts (all of them by default), keeping at most `buffer` log lines,
    /// samples and heartbeats and `journalBuffer` journal entries the subscriber has not read yet (past that it
    /// catches up from the journal). It ends when `finish()` is called or the task that
    /// reads it is cancelled.
    public func subscribe(
        buffer: Int = 10_000, journalBuffer: Int = 20_000,
        wants: @escaping @Sendable (Observation) -> Bool = { _ in true }
    ) -> ObservationStream {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let read: @Sendable (Int64, Int) -> [JournalEntry] = { [weak self] after, limit in
            guard let read = self?.backfill.withLock({ $0 }) else { return [] }
            return read(after, limit)
        }
        let stream = ObservationStream(
            limit: buffer, journalLimit: journalBuffer, backfill: read, accepts: wants
        ) { [weak self] in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = Subscriber(wants: wants, stream: stream) }
        return stream
    }

    /// Hands `observation` to every subscriber that wants it; returns at once.
    public func publish(_ observation: Observation) {
        let targets = subscribers.withLock { all in all.values.filter { $0.wants(observation) }.map(\.stream) }
        for stream in targets { stream.yield(observation) }
    }

    /// Ends every subscriber's stream.
    public func finish() {
        let all = subscribers.withLock { s -> [Subscriber] in
            defer { s.removeAll() }
            return Array(s.values)
        }
        all.forEach { $0.stream.finish() }
    }
}
