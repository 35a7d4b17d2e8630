/// A token bucket: `rate` tokens a second, at most `burst` held. Pure: time is passed in (seconds since any
/// origin), so it is tested without waiting.
struct TokenBucket: Sendable {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var last: Double

    init(rate: Double, burst: Double, now: Double) {
        self.rate = max(rate, 0.001)
        self.burst = max(burst, 1)
        tokens = self.burst
        last = now
    }

    /// Takes one token: nil when granted, else the seconds until one is available.
    mutating func take(now: Double) -> Double? {
        refill(now: now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / rate
    }

    /// Whether the bucket is full again (an idle client whose state can be forgotten).
    mutating func isFull(now: Double) -> Bool {
        refill(now: now)
        return tokens >= burst
    }

    private mutating func refill(now: Double) {
        if now > last {
            tokens = min(burst, tokens + (now - last) * rate)
            last = now
        }
    }
}
