import Interpreter
import Synchronization

/// Per-client token buckets for reads and writes (burst twice the rate, as the contract says). Clients are
/// keyed by address; idle clients whose buckets refilled are forgotten so the table stays small.
///
/// A lock rather than an actor: every request passes here, and taking a token is a few arithmetic operations,
/// cheaper than the hop to an actor's executor and back (bench/api).
final class RateLimiter: Sendable {
    enum Kind: Sendable { case read, write }

    private struct State {
        var buckets: [String: (read: TokenBucket, write: TokenBucket)] = [:]
        var lastSweep = 0.0
    }

    private let reads: Double
    private let writes: Double
    private let clock: RuntimeClock
    private let state = Mutex(State())

    init(readsPerSecond: Int, writesPerSecond: Int, clock: RuntimeClock = .continuous()) {
        reads = Double(max(1, readsPerSecond))
        writes = Double(max(1, writesPerSecond))
        self.clock = clock
    }

    /// nil when the request may go ahead, else whole seconds to wait (for `Retry-After`).
    func admit(client: String, kind: Kind) -> Int? {
        let elapsed = clock.elapsedTime
        let now = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return state.withLock { state in
            sweep(&state, now: now)
            var entry =
                state.buckets[client] ?? (
                    TokenBucket(rate: reads, burst: reads * 2, now: now),
                    TokenBucket(rate: writes, burst: writes * 2, now: now)
                )
            let wait: Double?
            switch kind {
            case .read: wait = entry.read.take(now: now)
            case .write: wait = entry.write.take(now: now)
            }
            state.buckets[client] = entry
            return wait.map { max(1, Int($0.rounded(.up))) }
        }
    }

    private func sweep(_ state: inout State, now: Double) {
        guard now - state.lastSweep > (state.buckets.count > 10_000 ? 1 : 60) else { return }
        state.lastSweep = now
        for (client, var entry) in state.buckets
        where entry.read.isFull(now: now) && entry.write.isFull(now: now) {
            state.buckets.removeValue(forKey: client)
        }
    }
}
