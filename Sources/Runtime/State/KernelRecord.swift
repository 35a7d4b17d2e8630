import Foundation

/// What Grace last knew about one kernel, so that a restarted Grace can adopt or cleanly restart what it finds.
public struct KernelRecord: Sendable, Hashable, Codable {
    public var name: String
    /// The lifecycle state, as the supervisor names it (`running`, `backing_off`, `stopped`, ...).
    public var state: String
    public var pid: Int32?
    public var processGroup: Int32?
    /// Stored to the millisecond.
    public var startedAt: Date?
    public var restarts: Int
    /// How the last run ended (`exited 1`, `killed by SIGKILL`, ...).
    public var lastExit: String?
    /// Hash of the kernel's compiled document, to tell whether a found process still matches the configuration.
    public var specHash: String?

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
