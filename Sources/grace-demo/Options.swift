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
    /// Scratch files the service may lose at any time (`fill` writes here); nil: none.
    var cacheDir: String?
    /// The certificate and its key (made when missing, reloaded on SIGHUP); nil: none.
    var tlsCert: String?
    var tlsKey: String?
    /// Services this one checks every second and reports when down.
    var dependencies: [Dependency] = []
}
