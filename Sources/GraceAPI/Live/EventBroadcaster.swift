import Foundation
import Runtime

/// Fans journal entries out to the live event streams (SSE clients). Each client has a bounded buffer; a
/// client that falls that far behind is dropped (its stream ends and the connection closes) so that a slow
/// reader never holds Grace back. Keep-alive ticks go to every client on one shared timer. At most `maxClients`
/// are open; a client that has gone frees its slot at its stream's next write (see `sweep`).
actor EventBroadcaster {
    enum Item: Sendable {
        case entry(JournalEntry)
        case keepAlive
    }

    /// Entries a client may fall behind by before it is dropped.
    let bufferSize: Int
    /// Streams open at once; more are refused (each holds a buffer).
    let maxClients: Int
    private let keepAliveInterval: Duration
    private var clients: [UUID: AsyncStream<Item>.Continuation] = [:]
    private var ticker: Task<Void, Never>?
    private var closed = false
    private(set) var dropped = 0
    private var lastSweep: ContinuousClock.Instant?
    /// New clients waiting for a slot that a gone stream is about to free (`subscribe(waitingUpTo:)`).
    private var slotWaiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    init(bufferSize: Int = 1024, maxClients: Int = 256, keepAliveInterval: Duration = .seconds(15)) {
        self.bufferSize = bufferSize
        self.maxClients = maxClients
        self.keepAliveInterval = keepAliveInterval
    }

    /// A new client's stream; entries published from now on arrive on it. nil when `maxClients` are open.
    func subscribe() -> (id: UUID, items: AsyncStream<Item>)? {
        guard clients.count < maxClients else { return nil }
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
        let id = UUID()
        if closed {
            continuation.finish()
        } else {
            clients[id] = continuation
            startTicker()
        }
        return (id, stream)
    }

    /// Sends every stream a keep-alive now (at most every 250 ms). A stream whose client has gone holds its slot
    /// until its next write fails; `subscribe(waitingUpTo:)` calls this when `maxClients` are open, so that the dead
    /// streams leave at once rather than at their next keep-alive.
    func sweep() {
        let now = ContinuousClock.now
        if let lastSweep, now - lastSweep < .milliseconds(250) { return }
        lastSweep = now
        send(.keepAlive)
    }

    /// As `subscribe()`, but when every slot is taken it sweeps the streams and waits, at most `patience`, for one
    /// whose client has gone to leave; nil when none does.
    func subscribe(waitingUpTo patience: Duration) async -> (id: UUID, items: AsyncStream<Item>)? {
        if let subscription = subscribe() { return subscription }
        sweep()
        let id = UUID()
        let deadline = Task { [weak self] in
            try? await Task.sleep(for: patience)
            await self?.stopWaiting(id)
        }
        defer { deadline.cancel() }
        await withCheckedContinuation { slotWaiters[id] = $0 }
        return subscribe()
    }

    func unsubscribe(_ id: UUID) {
        guard let continuation = clients.removeValue(forKey: id) else { return }
        continuation.finish()
        slotFreed()
    }

    private func stopWaiting(_ id: UUID) {
        slotWaiters.removeValue(forKey: id)?.resume()
    }

    /// Hands a freed slot to one waiting client.
    private func slotFreed() {
        guard let (id, waiter) = slotWaiters.first else { return }
        slotWaiters.removeValue(forKey: id)
        waiter.resume()
    }

    var clientCount: Int { clients.count }

    func publish(_ entry: JournalEntry) {
        send(.entry(entry))
    }

    /// Ends every stream (graceful shutdown) and refuses new ones.
    func close() {
        closed = true
        ticker?.cancel()
        for continuation in clients.values { continuation.finish() }
        clients = [:]
        for waiter in slotWaiters.values { waiter.resume() }
        slotWaiters = [:]
    }

    private func send(_ item: Item) {
        for (id, continuation) in clients {
            if case .dropped = continuation.yield(item) {
                dropped += 1
                clients.removeValue(forKey: id)
                continuation.finish()
                slotFreed()
            }
        }
    }

    private func startTicker() {
        guard ticker == nil else { return }
        let interval = keepAliveInterval
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { return }
                await self?.send(.keepAlive)
            }
        }
    }
}
