import GraceDSL

/// What `grace agent fix` reports: each change with where and why, what remains, and whether the tree now
/// validates. Codable as the `--json` output; `lines` is the text output.
public struct RepairReport: Sendable, Codable, Hashable {
    /// One applied change, placed at the diagnostic it fixed (positions in the tree as it was before the change).
    public struct Change: Sendable, Codable, Hashable {
        public var file: String
        public var line: Int
        public var column: Int
        public var code: String
        public var summary: String
        public var origin: String
    }

    /// One diagnostic left after repair.
    public struct Remaining: Sendable, Codable, Hashable {
        public var file: String
        public var line: Int
        public var column: Int
        public var code: String
        public var severity: String
        public var message: String
    }

    /// Whether the tree validates now (no errors; warnings may remain).
    public var fixed: Bool
    public var changes: [Change]
    public var remaining: [Remaining]
    /// Files written (paths as compiled).
    public var files: [String]

    /// The report of `outcome`.
    public init(_ outcome: RepairOutcome) {
        fixed = outcome.compiles
        changes = outcome.steps.map { step in
            let span = step.diagnostic.span
            return Change(
                file: span.file, line: span.start.line, column: span.start.column, code: step.diagnostic.code.rawValue,
                summary: step.change.summary, origin: step.change.origin.rawValue)
        }
        remaining = outcome.unfixed.map { d in
            Remaining(
                file: d.span.file, line: d.span.start.line, column: d.span.start.column, code: d.code.rawValue,
                severity: d.severity.rawValue, message: d.message)
        }
        files = outcome.changedFiles.map(\.path)
    }

    /// `file:line:col: fixed G106: replace `tiers` with `tier` (...)`, one per change.
    public var lines: [String] {
        changes.map { "\($0.file):\($0.line):\($0.column): fixed \($0.code): \($0.summary)" }
    }

    /// A commit message: a subject, one line per fix, and a `Grace-Fix: CODE` trailer per distinct code.
    public var commitMessage: String {
        let codes = changes.map(\.code).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let subject =
            changes.count == 1
            ? "grace agent fix: \(changes[0].code) in \(changes[0].file)"
            : "grace agent fix: \(changes.count) repairs (\(codes.joined(separator: ", ")))"
        let body = lines.map { "- \($0)" }.joined(separator: "\n")
        let trailers = codes.map { "Grace-Fix: \($0)" }.joined(separator: "\n")
        return "\(subject)\n\n\(body)\n\n\(trailers)\n"
    }
}
