/// What the knowledge base knows about one signature -> playbook binding: how often running the playbook
/// healed the signature and how often it did not.
public struct BindingEvidence: Sendable, Hashable, Codable {
    public var playbook: String
    public var successes: Int
    public var failures: Int
    /// Bound by a reviewed `signature` document rather than learned.
    public var declared: Bool

    public init(playbook: String, successes: Int = 0, failures: Int = 0, declared: Bool = false) {
        self.playbook = playbook
        self.successes = successes
        self.failures = failures
        self.declared = declared
    }

    public var trials: Int { successes + failures }

    /// The mean of the Beta(1 + successes, 1 + failures) posterior: with a uniform prior, the expected chance
    /// that the next run heals. An untried binding is at 0.5, one success at 0.67, one failure at 0.33.
    public var expectedSuccess: Double { Double(successes + 1) / Double(successes + failures + 2) }
}
