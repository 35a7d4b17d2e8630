/// The command line, checked: what the ``Service`` runs with.
struct Options: Sendable {
    /// One word; log lines show it before their component (`NAME.http`).
    var name: String
    var port: UInt16
    /// The directory of `data.db`; nil: no data file.
    var dataDir: String?
    /// Seconds after which the service enters a failure mode.
    var failAfter: Double?
    /// Faults to inject once listening, each with its delay in seconds.
    var faults: [(fault: Fault, after: Double)]
}
