import Interpreter

/// Per-client token buckets for reads and writes (burst twice the rate, as the contract says). Clients are
/// keyed by address; idle clients whose buckets refilled are forgotten so the table stays small.
actor RateLimiter {
    enum Kind: Sendable { case read, write }

    private let reads: Double
    private let writes: Double
    private var buckets: [String: (read: TokenBucket, write: TokenBucket)] = [:]
    private let clock: RuntimeClock
    private var lastSweep = 0.0

    init(readsPerSecond: Int, writesPerSecond: Int, clock: RuntimeClock = .continuous()) {
        reads = Double(max(1, readsPerSecond))
        writes = Double(max(1, writesPerSecond))
        self.clock = clock
    }

    /// nil when the request may go ahead, else whole seconds to wait (for `Retry-After`).
    func admit(client: String, kind: Kind) -> Int? {
        let elapsed = clock.elapsedTime
        let now = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        sweep(now: now)
        var entry =
            buckets[client] ?? (
                TokenBucket(rate: reads, burst: reads * 2, now: now),
                TokenBucket(rate: writes, burst: writes * 2, now: now)
            )
        let wait: Double?
        switch kind {
        case .read: wait = entry.read.take(now: now)
        case .write: wait = entry.write.take(now: now)
        }
        buckets[client] = entry
        return wait.map { max(1, Int($0.rounded(.up))) }
    }

    private func sweep(now: Double) {
        guard now - lastSweep > (buckets.count > 10_000 ? 1 : 60) else { return }
        lastSweep = now
        for (client, var entry) in buckets where entry.read.isFull(now: now) && entry.write.isFull(now: now) {
            buckets.removeValue(forKey: client)
        }
    }
}
