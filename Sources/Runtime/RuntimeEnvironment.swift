import Interpreter
import Logging

/// What every long-running part of Grace shares: the journal and the hub that publishes it, the reaper of child
/// processes, the I/O reactor, the clock, the cgroup manager and the logger. `buildServiceGroup` makes one; a test
/// makes its own (a manual clock, a `.registeredOnly` reaper, an in-memory store).
public struct RuntimeEnvironment: Sendable {
    /// Where every part journals; it publishes each entry on `hub` once it is on disk.
    public var journal: Journal
    /// Fans entries, samples, log lines and new graphs out to the healer and the API.
    public var hub: ObservationHub
    /// Reaps every child any part spawns; started by whoever makes the environment.
    public var reaper: ChildReaper
    /// Serves every descriptor Grace watches (captured output, notify sockets, probes) on one thread.
    public var reactor: IOReactor
    /// What timers, backoffs, probes and waits count time by.
    public var clock: RuntimeClock
    /// cgroup v2 when this machine has it and Grace may create groups (nil on cgroup v1 hosts, and in tests).
    public var cgroups: CgroupManager?
    /// Why `cgroups` is nil, as the supervisor reports unenforced limits (`kernel.limits_unenforced`).
    public var cgroupsUnavailable = "cgroups are not used by this Grace"
    /// Grace's own log (not the kernels' logs).
    public var logger: Logger

    /// An environment from its parts.
    public init(
        journal: Journal, hub: ObservationHub, reaper: ChildReaper, reactor: IOReactor, clock: RuntimeClock,
        cgroups: CgroupManager?, logger: Logger
    ) {
        self.journal = journal
        self.hub = hub
        self.reaper = reaper
        self.reactor = reactor
        self.clock = clock
        self.cgroups = cgroups
        self.logger = logger
    }

    /// An environment over `store`: a new hub and journal, the continuous clock.
    public init(store: StateStore, reaper: ChildReaper, reactor: IOReactor, cgroups: CgroupManager?, logger: Logger) {
        let hub = ObservationHub()
        self.init(
            journal: Journal(store: store, hub: hub, logger: logger), hub: hub, reaper: reaper, reactor: reactor,
            clock: .continuous(), cgroups: cgroups, logger: logger)
    }

    /// The SQLite state store under the journal, for the parts that read it (the knowledge base, kernel records).
    public var store: StateStore { journal.store }
}
