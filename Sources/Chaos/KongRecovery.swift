/// Kong's judgement of recovery after its last fault: from the last fault on, the moment from which everything was
/// healthy and stayed so until the drill's end. A poll that fails, or a kernel that stopped, started or failed its
/// probe between two polls (a restart takes less than a poll, and the polls alone would miss it), starts it over.
/// Times are offsets from the drill's start.
struct KongRecovery: Sendable {
    /// When the last fault was injected.
    let lastFault: Duration
    /// When the drill is over: recovery is judged from then on.
    let end: Duration
    /// How long after the last fault everything must be healthy.
    let bound: Duration
    /// Since when every poll passed with nothing disturbed between them; nil while not healthy.
    private(set) var healthySince: Duration?

    /// What one poll concluded.
    enum Verdict: Equatable {
        /// Not over yet: poll again.
        case pending
        /// Healthy from `after` past the last fault until the end.
        case healed(after: Duration)
        /// Past the end and still not healthy, `bound` after the last fault.
        case notHealed
    }

    init(lastFault: Duration, end: Duration, bound: Duration) {
        self.lastFault = lastFault
        self.end = end
        self.bound = bound
    }

    /// Takes the poll at `now`: whether every probe passed, and whether a kernel stopped, started or failed its probe
    /// since the last poll.
    mutating func observe(healthy: Bool, disturbed: Bool, at now: Duration) -> Verdict {
        if healthy && !disturbed {
            if healthySince == nil { healthySince = now }
        } else {
            healthySince = nil
        }
        if now >= end, let since = healthySince { return .healed(after: max(.zero, since - lastFault)) }
        if now >= end, now - lastFault > bound { return .notHealed }
        return .pending
    }
}
