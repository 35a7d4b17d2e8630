/// The figures of one kernel's cgroup v2 group, read by ``CgroupManager/read(_:)``.
///
/// They cover every process in the group, including grandchildren that left the kernel's process group. A field
/// is nil when the controller behind it is not enabled for the group.
public struct CgroupSample: Sendable, Equatable {
    /// `memory.current`: bytes charged to the group (page cache included).
    public var memoryBytes: UInt64?
    /// `cpu.stat` `usage_usec`: CPU time consumed by the group since it was created.
    public var cpuUsageMicroseconds: UInt64?
    /// `pids.current`: tasks (threads) in the group.
    public var pids: Int?
    /// `memory.events` `oom_kill`: processes of the group killed by the OOM killer.
    public var oomKills: UInt64?

    /// Makes a sample from its parts; `CgroupManager` fills it from the group's files.
    public init(memoryBytes: UInt64?, cpuUsageMicroseconds: UInt64?, pids: Int?, oomKills: UInt64?) {
        self.memoryBytes = memoryBytes
        self.cpuUsageMicroseconds = cpuUsageMicroseconds
        self.pids = pids
        self.oomKills = oomKills
    }
}
