import Foundation
import Runtime

/// What the API's routes reach of the running Grace: the supervisor, the healer, the reloader, the journal,
/// the snapshot store, the coding agent's queue and the components, plus the API's own live state and metrics.
struct APIServices: Sendable {
    let supervisor: Supervisor
    let healer: Healer
    let reloader: ConfigurationReloader?
    let snapshots: SnapshotStore?
    /// The coding agent's task queue; nil when it could not be opened (its routes answer 503).
    let agentTasks: AgentTaskStore?
    let journal: Journal
    let components: ComponentRegistry
    /// Grace's root, which restarts components; nil when this process does not supervise them (503).
    let tree: ComponentTree?
    /// This instance's fleet member; nil outside a fleet.
    let fleet: FleetService?
    let live: LiveState
    let metrics: APIMetrics
    let dashboard: DashboardFiles
    let broadcaster: EventBroadcaster
    let version: String
    let startedAt: Date

    init(
        supervisor: Supervisor, healer: Healer, reloader: ConfigurationReloader?, snapshots: SnapshotStore?,
        journal: Journal, components: ComponentRegistry, live: LiveState, metrics: APIMetrics,
        dashboard: DashboardFiles, broadcaster: EventBroadcaster, version: String, agentTasks: AgentTaskStore? = nil,
        tree: ComponentTree? = nil, fleet: FleetService? = nil, startedAt: Date = Date()
    ) {
        self.tree = tree
        self.fleet = fleet
        self.supervisor = supervisor
        self.healer = healer
        self.reloader = reloader
        self.snapshots = snapshots
        self.agentTasks = agentTasks
        self.journal = journal
        self.components = components
        self.live = live
        self.metrics = metrics
        self.dashboard = dashboard
        self.broadcaster = broadcaster
        self.version = version
        self.startedAt = startedAt
    }

    var store: StateStore { journal.store }

    /// Seconds from `start` to `now`, to the millisecond.
    static func seconds(since start: Date, now: Date = Date()) -> Double {
        (max(0, now.timeIntervalSince(start)) * 1000).rounded() / 1000
    }

    /// Milliseconds between two times (to the microsecond); nil until both are known.
    static func milliseconds(from start: Date?, to end: Date?) -> Double? {
        guard let start, let end else { return nil }
        return (end.timeIntervalSince(start) * 1000 * 1000).rounded() / 1000
    }
}
