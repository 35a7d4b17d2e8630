import Glibc

/// A heartbeat file: healthy while the file's modification time is at most `maxAge` old.
///
/// The kernel proves it is alive by touching the file; a missing file is unhealthy. An mtime in the future
/// (clock steps) counts as fresh. `stat(2)` on a local file does not block, so this runs inline.
public struct FileProbe: HealthProbe {
    /// The heartbeat file the kernel touches.
    public let path: String
    /// How old its modification time may be.
    public let maxAge: Duration

    /// A probe of `path`'s freshness.
    public init(path: String, maxAge: Duration) {
        self.path = path
        self.maxAge = maxAge
    }

    /// Healthy when the file exists and was modified within `maxAge`.
    public func check(timeout: Duration) async -> ProbeResult {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return .unhealthy("heartbeat file \(path) does not exist") }
            return .unhealthy("heartbeat file \(path): \(ProbeFailure.errno(code).reason)")
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let age =
            Duration.seconds(Int64(now.tv_sec) - Int64(info.st_mtim.tv_sec))
            + .nanoseconds(Int64(now.tv_nsec) - Int64(info.st_mtim.tv_nsec))
        guard age <= maxAge else {
            let old = ProbeDeadline.describe(.seconds(age.components.seconds))
            return .unhealthy("heartbeat file is \(old) old, max \(ProbeDeadline.describe(maxAge))")
        }
        return .healthy
    }
}
