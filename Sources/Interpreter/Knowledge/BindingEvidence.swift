/// What the knowledge base knows about one signature -> playbook binding: how often running the playbook
/// healed the signature and how often it did not.
public struct BindingEvidence: Sendable, Hashable, Codable {
    /// The bound playbook's name.
    public var playbook: String
    /// Runs of the playbook that healed the signature.
    public var successes: Int
    /// Runs of the playbook that answered the signature and did not heal it.
    public var failures: Int
    /// Bound by a reviewed `signature` document rather than learned.
    public var declared: Bool

    /// Makes evidence from counts; an untried learned binding by default.
    public init(playbook: String, successes: Int = 0, failures: Int = 0, declared: Bool = false) {
        self.playbook = playbook
        self.successes = successes
        self.failures = failures
        self.declared = declared
    }

    /// Runs counted either way; `BindingPolicy` drops a binding only after `minTrials` of them.
    public var trials: Int { successes + failures }

    /// The mean of the Beta(1 + successes, 1 + failures) posterior: with a uniform prior, the expected chance
    /// that the next run heals. An untried binding is at 0.5, one success at 0.67, one failure at 0.33.
    public var expectedSuccess: Double { Double(successes + 1) / Double(successes + failures + 2) }
}
