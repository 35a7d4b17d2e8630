/// What must hold during and after a chaos drill.
public struct Gate: Sendable, Hashable {
    public enum Check: Sendable, Hashable {
        case availability(Located<String>, atLeast: Percent, window: Duration?)
        case timeToHeal(Located<String>, under: Duration)
        case dataLoss
        case journalIntact
        case maxRestarts(Located<String>, count: Int)

        public static let keywords = ["availability", "time_to_heal", "data_loss", "journal", "max_restarts"]
    }

    public var header: DocumentHeader
    public var checks: [Check] = []

    public init(header: DocumentHeader) {
        self.header = header
    }
}
