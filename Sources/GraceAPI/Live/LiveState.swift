import Foundation
import Runtime

/// What the API keeps from the supervisor's signals: playbook runs, metric histories and the journal's head.
actor LiveState {
    private var runs = RunIndex()
    private var history = MetricHistory()
    private(set) var lastJournalID: Int64 = 0
    /// Where the dashboard is served (known once the server is bound).
    private(set) var dashboardURL = ""
    /// The port the server is bound to (nil until it is, and when it could not be).
    private(set) var boundPort: Int?

    init() {}

    func apply(_ entry: JournalEntry) {
        runs.apply(entry)
        lastJournalID = max(lastJournalID, entry.id)
    }

    func setDashboardURL(_ url: String) { dashboardURL = url }

    func setBoundPort(_ port: Int?) { boundPort = port }

    func setLastJournalID(_ id: Int64) { lastJournalID = max(lastJournalID, id) }

    func record(kernel: String, _ metrics: KernelMetrics) {
        history.record(kernel: kernel, metrics)
    }

    func series(of kernel: String) -> MetricHistory.Series { history.series(of: kernel) }

    /// The series of every kernel named, in one call.
    func series(of kernels: [String]) -> [String: MetricHistory.Series] {
        Dictionary(uniqueKeysWithValues: kernels.map { ($0, history.series(of: $0)) })
    }

    /// The journal's head and the dashboard's URL, in one call.
    var head: (lastJournalID: Int64, dashboardURL: String) { (lastJournalID, dashboardURL) }

    func runs(limit: Int, playbook: String?) -> [RunIndex.Run] { runs.list(limit: limit, playbook: playbook) }

    func run(_ id: String) -> RunIndex.Run? { runs.run(id) }
}
