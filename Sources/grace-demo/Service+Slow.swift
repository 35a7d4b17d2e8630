import Foundation
import Glibc

// The `slow` fault: every answer takes longer, /healthz too, so the health probe's latency shows it.

extension Service {
    /// `POST /fault/slow`.
    func startSlow(milliseconds: Int, seconds: Double?) -> String {
        faultState.withLock { faults in
            faults.slowMilliseconds = milliseconds
            faults.slowUntil = seconds.map { monotonic() + $0 } ?? .infinity
        }
        let message =
            "answering \(milliseconds)ms slower \(seconds.map { "for \(describe($0))" } ?? "until /fault/stop")"
        log.fault.warning("fault injected: \(message)")
        return message
    }

    /// The delay an answer takes now, in seconds (0 without the fault).
    var answerDelay: Double {
        faultState.withLock { faults in
            guard let until = faults.slowUntil else { return 0 }
            guard monotonic() < until else {
                faults.slowUntil = nil
                return 0
            }
            return Double(faults.slowMilliseconds) / 1000
        }
    }
}
