import DequeModule
import Synchronization

/// One subscriber's observations, in order. Bounded, but what it drops when the subscriber falls behind are the
/// observations a later one supersedes (log lines, metric samples, heartbeats), oldest first; journal entries and
/// graph changes are never dropped, so an observer always sees every event and every reload.
public final class ObservationStream: AsyncSequence, Sendable {
    /// What the stream yields.
    public typealias Element = Observation

    private struct State {
        var queue: Deque<Observation> = []
        var droppable = 0
        var waiter: CheckedContinuation<Observation?, Never>?
        var finished = false
    }

    private let state = Mutex(State())
    /// Log lines, samples and heartbeats kept at most.
    let limit: Int
    private let onTermination: @Sendable () -> Void

    init(limit: Int, onTermination: @escaping @Sendable () -> Void) {
        self.limit = Swift.max(1, limit)
        self.onTermination = onTermination
    }

    /// Observations dropped so far because the subscriber fell behind.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }
    private let droppedCount = Atomic<Int>(0)

    func yield(_ observation: Observation) {
        let waiter = state.withLock { s -> CheckedContinuation<Observation?, Never>? in
            guard !s.finished else { return nil }
            if let waiter = s.waiter {
                s.waiter = nil
                return waiter
            }
            s.queue.append(observation)
            if Self.isDroppable(observation) { s.droppable += 1 }
            if s.droppable > limit, let index = s.queue.firstIndex(where: Self.isDroppable) {
                s.queue.remove(at: index)
                s.droppable -= 1
                droppedCount.add(1, ordering: .relaxed)
            }
            return nil
        }
        waiter?.resume(returning: observation)
    }

    func finish() {
        let waiter = state.withLock { s -> CheckedContinuation<Observation?, Never>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: nil)
    }

    private static func isDroppable(_ observation: Observation) -> Bool {
        switch observation {
        case .journal, .configuration: false
        case .log, .metrics, .host, .heartbeat: true
        }
    }

    fileprivate func next() async -> Observation? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Observation?, Never>) in
                let ready = state.withLock { s -> Observation?? in
                    if let first = s.queue.popFirst() {
                        if Self.isDroppable(first) { s.droppable -= 1 }
                        return .some(first)
                    }
                    if s.finished || Task.isCancelled { return .some(nil) }
                    s.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            finish()
            onTermination()
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
