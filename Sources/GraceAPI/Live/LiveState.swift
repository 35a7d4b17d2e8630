import Foundation
import Runtime

/// What the API keeps from the supervisor's signals: playbook runs, metric histories and the journal's head.
public actor LiveState {
    private var runs = RunIndex()
    private var history = MetricHistory()
    public private(set) var lastJournalID: Int64 = 0
    /// Where the dashboard is served (known once the server is bound).
    public private(set) var dashboardURL = ""
    /// The port the server is bound to (nil until it is, and when it could not be).
    public private(set) var boundPort: Int?

    public init() {}

    public func apply(_ entry: JournalEntry) {
        runs.apply(entry)
        lastJournalID = max(lastJournalID, entry.id)
    }

    public func setDashboardURL(_ url: String) { dashboardURL = url }

    public func setBoundPort(_ port: Int?) { boundPort = port }

    public func setLastJournalID(_ id: Int64) { lastJournalID = max(lastJournalID, id) }

    public func record(kernel: String, _ metrics: KernelMetrics) {
        history.record(kernel: kernel, metrics)
    }

    public func series(of kernel: String) -> MetricHistory.Series { history.series(of: kernel) }

    public func runs(limit: Int, playbook: String?) -> [RunIndex.Run] { runs.list(limit: limit, playbook: playbook) }

    public func run(_ id: String) -> RunIndex.Run? { runs.run(id) }
}
