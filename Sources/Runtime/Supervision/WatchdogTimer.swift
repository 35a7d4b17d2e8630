import Interpreter
import Synchronization

/// systemd's watchdog for one kernel: once armed, a beat (sd_notify WATCHDOG=1) is due at least every `interval`;
/// when one is late, `onMissed` runs once and the timer stops. A task sleeps on the injected clock until the
/// deadline, so a test moves time by hand.
final class WatchdogTimer: Sendable {
    let interval: Duration
    private let clock: RuntimeClock
    private let deadline: Mutex<Duration?>
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Arms the timer now: the first beat is due within `interval`.
    init(interval: Duration, clock: RuntimeClock, onMissed: @escaping @Sendable () async -> Void) {
        self.interval = interval
        self.clock = clock
        deadline = Mutex(clock.elapsedTime + interval)
        let task = Task { [weak self] in
            while !Task.isCancelled {
                guard let due = self?.deadline.withLock({ $0 }) else { return }
                if clock.elapsedTime < due {
                    try? await clock.sleep(untilOffset: due)
                    continue
                }
                switch self?.expire() {
                case .fired?:
                    await onMissed()
                    return
                case .beaten?:
                    continue
                case .stopped?, nil:
                    return
                }
            }
        }
        self.task.withLock { $0 = task }
    }

    private enum Expiry {
        case fired, beaten, stopped
    }

    /// Ends the timer if its deadline has passed (a beat may have moved it since the task woke).
    private func expire() -> Expiry {
        let now = clock.elapsedTime
        return deadline.withLock { due in
            guard let current = due else { return .stopped }
            guard current <= now else { return .beaten }
            due = nil
            return .fired
        }
    }

    /// A beat: the next one is due `interval` from now.
    func beat() {
        let next = clock.elapsedTime + interval
        deadline.withLock { if $0 != nil { $0 = next } }
    }

    /// Whether the deadline passed (and `onMissed` ran or is running).
    var hasFired: Bool { deadline.withLock { $0 == nil } }

    func cancel() {
        deadline.withLock { $0 = nil }
        task.withLock { $0?.cancel() }
    }

    deinit {
        task.withLock { $0?.cancel() }
    }
}
