/// How eagerly lines are grouped. The defaults are tuned on general principles over the Loghub-2k systems, with no
/// system-specific rule; see bench/mine.
public struct MinerOptions: Sendable, Hashable, Codable {
    /// A line joins the most similar template of its shape when at least this share of its tokens agree.
    public var similarityThreshold: Double
    /// Tokens containing a digit are variables before any grouping (ids, counts, addresses, durations).
    public var digitTokensAreVariables: Bool

    /// Templates that are equal but at one position, where each has its own word, are one template with a
    /// variable there once this many such words were seen (user names, hosts); fewer are told apart (`GET` and
    /// `POST`, `started` and `stopped`). 0 turns it off.
    public var distinctValuesForVariable: Int

    /// Two families of templates (each equal but at one word) that share three or more of those words make those
    /// words variables in both: `session opened for user cyrus` and `session closed for user cyrus` (with `news`
    /// and `test` too). Two shared words are not enough: `started`/`stopped` can end two different events.
    public var sharedWords: Bool

    /// Consecutive variable tokens are one value, and one `<*>` in the template: a value that spaces cut into a
    /// varying number of tokens (`10.0.0.1 (10.0.0.2)`, `C:\Program Files\App`, a list of addresses, `1.2 KB`)
    /// does not split one statement into a template per width. Lines with no constant token are not joined (their
    /// length is all there is to tell them apart).
    public var multiTokenValues: Bool

    /// A value may also be absent: lines with the same constant words in the same order are one statement,
    /// whatever values they have between those words, or lack (`1190 bytes (1.16 KB) sent` and `0 bytes sent`).
    /// The template gets a `<*>` wherever any of its lines had a value; it needs two constant words or more.
    public var optionalValues: Bool

    /// - Parameters:
    ///   - similarityThreshold: see `similarityThreshold`.
    ///   - digitTokensAreVariables: see `digitTokensAreVariables`.
    ///   - distinctValuesForVariable: see `distinctValuesForVariable`.
    ///   - sharedWords: see `sharedWords`.
    ///   - multiTokenValues: see `multiTokenValues`.
    ///   - optionalValues: see `optionalValues`.
    public init(
        similarityThreshold: Double = 0.95, digitTokensAreVariables: Bool = true, distinctValuesForVariable: Int = 5,
        sharedWords: Bool = true, multiTokenValues: Bool = true, optionalValues: Bool = true
    ) {
        self.similarityThreshold = similarityThreshold
        self.digitTokensAreVariables = digitTokensAreVariables
        self.distinctValuesForVariable = distinctValuesForVariable
        self.sharedWords = sharedWords
        self.multiTokenValues = multiTokenValues
        self.optionalValues = optionalValues
    }

    private enum CodingKeys: String, CodingKey {
        case similarityThreshold, digitTokensAreVariables, distinctValuesForVariable, sharedWords, multiTokenValues
        case optionalValues
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            similarityThreshold: try container.decode(Double.self, forKey: .similarityThreshold),
            digitTokensAreVariables: try container.decode(Bool.self, forKey: .digitTokensAreVariables),
            // Miners persisted before this option existed grouped without it.
            distinctValuesForVariable: try container.decodeIfPresent(Int.self, forKey: .distinctValuesForVariable)
                ?? 0,
            sharedWords: try container.decodeIfPresent(Bool.self, forKey: .sharedWords) ?? false,
            multiTokenValues: try container.decodeIfPresent(Bool.self, forKey: .multiTokenValues) ?? false,
            optionalValues: try container.decodeIfPresent(Bool.self, forKey: .optionalValues) ?? false)
    }
}
