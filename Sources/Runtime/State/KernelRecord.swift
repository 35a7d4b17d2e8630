import Foundation

/// What Grace last knew about one kernel, so that a restarted Grace can adopt or cleanly restart what it finds.
public struct KernelRecord: Sendable, Hashable, Codable {
    /// The kernel's name; one record per name.
    public var name: String
    /// The lifecycle phase as `KernelPhase` names it (`running`, `backing-off`, `stopped`, ...).
    public var state: String
    /// The kernel's process when the record was written; nil when it had none.
    public var pid: Int32?
    /// Its process group (the same number as `pid`: a kernel leads its own group), which a cleanup signals.
    public var processGroup: Int32?
    /// Stored to the millisecond.
    public var startedAt: Date?
    /// Restarts by policy so far.
    public var restarts: Int
    /// How the last run ended (`exited 1`, `killed by SIGKILL`, ...).
    public var lastExit: String?
    /// Hash of the kernel's compiled document, to tell whether a found process still matches the configuration.
    public var specHash: String?

    /// Makes a record from its parts; the supervisor writes one when a kernel's process appears or goes away.
    public init(
        name: String, state: String, pid: Int32? = nil, processGroup: Int32? = nil, startedAt: Date? = nil,
        restarts: Int = 0, lastExit: String? = nil, specHash: String? = nil
    ) {
        self.name = name
        self.state = state
        self.pid = pid
        self.processGroup = processGroup
        self.startedAt = startedAt
        self.restarts = restarts
        self.lastExit = lastExit
        self.specHash = specHash
    }
}
