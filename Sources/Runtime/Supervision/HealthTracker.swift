/// Turns a kernel's probe results into health changes: `failures` failed probes in a row make it unhealthy, one
/// passing probe healthy again; each change is reported once. Pure: the probe loop feeds it, the supervisor
/// journals what it returns.
struct HealthTracker: Sendable, Equatable {
    /// What a probe result changed.
    enum Change: Sendable, Equatable {
        case becameHealthy
        case becameUnhealthy(reason: String, failures: Int)
    }

    /// Failed probes in a row that make the kernel unhealthy.
    let threshold: Int
    /// nil until the first verdict after a (re)start.
    private(set) var healthy: Bool?
    private(set) var consecutiveFailures = 0

    init(threshold: Int) {
        self.threshold = max(1, threshold)
    }

    /// Records one result. A kernel that is still starting (not ready by notify or by its first passing probe) is
    /// not failing: its listener may simply not be up yet, and Kubernetes likewise ignores liveness until startup
    /// succeeds. A kernel that never gets ready is caught by the readiness timeout instead.
    mutating func record(_ result: ProbeResult, starting: Bool) -> Change? {
        switch result {
        case .healthy:
            consecutiveFailures = 0
            guard healthy != true else { return nil }
            healthy = true
            return .becameHealthy
        case .unhealthy(let reason):
            if starting { return nil }
            consecutiveFailures += 1
            guard consecutiveFailures >= threshold, healthy != false else { return nil }
            healthy = false
            return .becameUnhealthy(reason: reason, failures: consecutiveFailures)
        }
    }

    /// Forgets the verdict: a new process, or a kernel resumed after a pause.
    mutating func reset(keepVerdict: Bool = false) {
        consecutiveFailures = 0
        if !keepVerdict { healthy = nil }
    }
}
