/// Notices the wall clock jumping: between two readings, the wall clock (CLOCK_REALTIME) should advance as much
/// as the boot clock (CLOCK_BOOTTIME, monotonic and counting suspend too). Anything else is a step of the wall
/// clock: NTP stepping it, an operator's `date -s`, a VM resumed on a host with another time. Slewing (at most
/// 500 ppm) moves it by milliseconds at most between samples; a suspend moves both clocks alike.
///
/// Kernels that schedule by wall time (cron-like jobs, token and certificate checks, timestamps in data) misbehave
/// after a jump; `clock_jump` lets a trigger say so.
struct ClockJumpDetector: Sendable {
    private var previousOffset: Double?

    /// Records a reading, both in seconds; returns how far the wall clock jumped (either way) since the previous
    /// one, nil for the first reading.
    mutating func observe(wall: Double, boot: Double) -> Double? {
        let offset = wall - boot
        defer { previousOffset = offset }
        return previousOffset.map { abs(offset - $0) }
    }
}
