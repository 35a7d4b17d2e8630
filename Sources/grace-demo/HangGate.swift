import Foundation
import Glibc
import Logging

/// The injected hang. The threads that serve, heartbeat, append and handle SIGTERM pass ``checkpoint()``, which
/// blocks them while a hang lasts: forever, or until its deadline.
///
/// A condition variable rather than a `Mutex`: the blocked threads must sleep until the hang is over, and only a
/// condition lets them wait for that.
final class HangGate: @unchecked Sendable {  // `until` is read and written only with `condition` locked
    private let condition = NSCondition()
    private var until: Double?  // monotonic seconds; infinity: forever
    private let log: Logger

    init(log: Logger) { self.log = log }

    /// Blocks while a hang is injected; the first thread through after a timed hang logs that it is over.
    func checkpoint() {
        condition.lock()
        defer { condition.unlock() }
        while let until {
            if until.isInfinite {
                condition.wait()
                continue
            }
            if monotonic() >= until {
                self.until = nil
                log.warning("hang over: serving and heartbeating again")
                break
            }
            _ = condition.wait(until: Date(timeIntervalSinceNow: until - monotonic()))
        }
    }

    /// Starts a hang of `seconds`, forever if nil; `cause` says who asked, for the log line.
    func hang(seconds: Double?, cause: String) {
        condition.withLock {
            let duration = seconds.map { "for \(describe($0))" } ?? "until killed"
            log.warning(
                "fault injected: hang \(duration) (\(cause)); serving, heartbeats, appends and SIGTERM handling stop")
            until = seconds.map { monotonic() + $0 } ?? .infinity
            condition.broadcast()
        }
    }
}
