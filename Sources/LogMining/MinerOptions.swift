/// How eagerly lines are grouped. The defaults are tuned on general principles over the Loghub-2k systems, with no
/// system-specific rule; see bench/mine.
public struct MinerOptions: Sendable, Hashable, Codable {
    /// A line joins the most similar template of its shape when at least this share of its tokens agree.
    public var similarityThreshold: Double
    /// Tokens containing a digit are variables before any grouping (ids, counts, addresses, durations).
    public var digitTokensAreVariables: Bool

    public init(similarityThreshold: Double = 0.9, digitTokensAreVariables: Bool = true) {
        self.similarityThreshold = similarityThreshold
        self.digitTokensAreVariables = digitTokensAreVariables
    }
}
