/// The outcome of checking a snapshot (its chunks) or a kernel's live data (against a snapshot).
public enum SnapshotVerification: Sendable, Equatable {
    /// Everything checked out: this many files holding this many bytes.
    case intact(files: Int, bytes: UInt64)
    /// One line per problem, each naming the file and what is wrong with it (missing, hash differs, ...).
    case damaged([String])

    /// True for `intact`: nothing missing, nothing differing.
    public var isIntact: Bool {
        if case .intact = self { true } else { false }
    }
}
