/// What must hold during and after a chaos drill.
public struct Gate: Sendable, Hashable {
    public enum Check: Sendable, Hashable {
        case availability(Located<String>, atLeast: Percent, window: Duration?)
        case timeToHeal(Located<String>, under: Duration)
        case dataLoss
        case journalIntact
        case maxRestarts(Located<String>, count: Int)
        /// At most `downtime` in total of the kernel's probe failing during the drill.
        case errorBudget(Located<String>, downtime: Duration)

        public static let keywords = [
            "availability", "time_to_heal", "data_loss", "journal", "max_restarts", "error_budget",
        ]

        /// The check in words (`availability of api at least 95% over 5m`).
        public var summary: String {
            switch self {
            case .availability(let k, let p, let w):
                "availability of \(k.value) at least \(p)" + (w.map { " over " + DurationParser.format($0) } ?? "")
            case .timeToHeal(let k, let d):
                "time to heal \(k.value == "*" ? "everything" : k.value) under \(DurationParser.format(d))"
            case .dataLoss: "no data lost"
            case .journalIntact: "journal intact"
            case .maxRestarts(let k, let n): "at most \(n) restarts of \(k.value)"
            case .errorBudget(let k, let d): "\(k.value) down at most \(DurationParser.format(d)) in total"
            }
        }
    }

    public var header: DocumentHeader
    public var checks: [Check] = []

    public init(header: DocumentHeader) {
        self.header = header
    }
}
