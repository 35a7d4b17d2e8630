#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns successive ``ProcessSample``s of one kernel into ``KernelMetrics`` with a CPU percentage.
///
/// The percentage is the tick delta over the wall time between the two samples. Ticks are counted at
/// `sysconf(_SC_CLK_TCK)` (100 Hz on Linux), so a window of one second resolves 1 %.
struct CPUUsageTracker: Sendable {
    private var previous: ProcessSample?
    private let ticksPerSecond: Double

    init() {
        self.init(ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    init(ticksPerSecond: Double) {
        self.ticksPerSecond = ticksPerSecond > 0 ? ticksPerSecond : 100
    }

    /// Records `sample` and returns the metrics over the window since the previous one; nil for the first sample,
    /// and after the PID changed (a restart) or the counters went backwards, which start a new window.
    mutating func update(_ sample: ProcessSample) -> KernelMetrics? {
        defer { previous = sample }
        guard let previous, previous.pid == sample.pid, sample.cpuTicks >= previous.cpuTicks,
            previous.time < sample.time
        else { return nil }
        let elapsed = previous.time.duration(to: sample.time).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        let cpuSeconds = Double(sample.cpuTicks - previous.cpuTicks) / ticksPerSecond
        return KernelMetrics(
            cpuPercent: cpuSeconds / seconds * 100,
            rssBytes: sample.rssBytes,
            threads: sample.threads,
            openFDs: sample.openFDs,
            descriptorLimit: sample.descriptorLimit
        )
    }

    /// Forgets the previous sample (the kernel stopped).
    mutating func reset() {
        previous = nil
    }
}
