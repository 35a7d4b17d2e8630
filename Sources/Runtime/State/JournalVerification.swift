/// The outcome of walking the journal's hash chain.
public enum JournalVerification: Sendable, Equatable {
    /// Every entry's hash matches its contents and links to the one before; ids run 1...entries without gaps.
    case intact(entries: Int)
    /// The first entry that does not hold (or, for a deleted entry, the id that is missing) and why.
    case broken(id: Int64, reason: String)
}
