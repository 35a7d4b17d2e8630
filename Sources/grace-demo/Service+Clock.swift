import Foundation
import Glibc

// The `clock` fault: this process's wall clock steps, as when NTP steps the host's clock or a VM resumes.

extension Service {
    /// `POST /fault/clock`: steps ``WallClock`` by `offset` seconds; the main loop notices the jump.
    func stepClock(by offset: Double) -> String {
        WallClock.offsetMicroseconds.add(Int64(offset * 1e6), ordering: .relaxed)
        let message = "wall clock stepped by \(String(format: "%+.3f", offset))s"
        log.fault.warning("fault injected: \(message)")
        return message
    }

    /// A jump the main loop's ``ClockWatch`` saw: timestamps and timers made from the wall clock are suspect now.
    func reportClockJump(_ jump: Double) {
        let message =
            "wall clock jumped by \(String(format: "%+.3f", jump))s against the monotonic clock; "
            + "timers and timestamps of this process are suspect"
        log.clock.error("\(message)")
    }
}
