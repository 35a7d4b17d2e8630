/// The drills of `grace chaos run --random N`, drawn one at a time with a seed when the last one has ended: each
/// among the scenarios that are ready (their expected trigger out of its cooldown), or among all of them when none
/// is. A drill of a scenario still cooling down would first wait the cooldown out (up to an hour in the shipped
/// configuration), and a hundred draws from two dozen scenarios meet such waits often.
public struct RandomDrills<Scenario: Sendable>: Sendable {
    /// The scenarios drawn from, in a fixed order (the same seed then draws the same ones).
    public let pool: [Scenario]
    /// How many drills are still to be drawn.
    public private(set) var left: Int
    private var rng: SplitMix64

    /// `count` drills from `pool` with `seed`.
    public init(pool: [Scenario], count: Int, seed: UInt64) {
        self.pool = pool
        self.left = max(0, count)
        self.rng = SplitMix64(seed: seed)
    }

    /// The next drill, or nil when all are drawn (or the pool is empty).
    public mutating func next(ready: (Scenario) async -> Bool) async -> Scenario? {
        guard left > 0, !pool.isEmpty else { return nil }
        left -= 1
        var candidates: [Scenario] = []
        for scenario in pool where await ready(scenario) { candidates.append(scenario) }
        let from = candidates.isEmpty ? pool : candidates
        return from[Int(rng.next() % UInt64(from.count))]
    }
}
