import Glibc
import Synchronization

/// The process's own wall clock: CLOCK_REALTIME plus the offset the `clock` fault stepped it by. Log timestamps
/// and the jump check read it, so a stepped process behaves as one whose host clock was stepped.
enum WallClock {
    /// Added to CLOCK_REALTIME, in microseconds.
    static let offsetMicroseconds = Atomic<Int64>(0)

    /// The wall-clock time now.
    static func now() -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let offset = offsetMicroseconds.load(ordering: .relaxed)
        guard offset != 0 else { return now }
        var nanoseconds = Int64(now.tv_nsec) + (offset % 1_000_000) * 1000
        var seconds = Int64(now.tv_sec) + offset / 1_000_000
        if nanoseconds < 0 {
            nanoseconds += 1_000_000_000
            seconds -= 1
        } else if nanoseconds >= 1_000_000_000 {
            nanoseconds -= 1_000_000_000
            seconds += 1
        }
        return timespec(tv_sec: Int(seconds), tv_nsec: Int(nanoseconds))
    }

    /// `now()` in seconds.
    static func seconds() -> Double {
        let now = now()
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Seconds on the boot clock: monotonic, and counting suspend like the wall clock does.
    static func bootSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_BOOTTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// Notices the wall clock moving unlike the boot clock between two looks: a step (NTP, `date -s`, a resumed VM,
/// or the `clock` fault). Differences below `tolerance` are slewing and scheduling noise.
struct ClockWatch {
    var tolerance = 1.0
    private var previous: Double?

    /// The jump since the last look, signed (negative: the wall clock went back), or nil.
    mutating func check() -> Double? {
        let offset = WallClock.seconds() - WallClock.bootSeconds()
        defer { previous = offset }
        guard let previous, abs(offset - previous) >= tolerance else { return nil }
        return offset - previous
    }
}
