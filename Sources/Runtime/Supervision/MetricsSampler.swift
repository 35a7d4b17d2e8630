import Foundation

/// Samples the host and every running kernel's process (CPU, memory, threads, descriptors, zombies, log lines)
/// and, where cgroup v2 is in use, the kernel's group. Keeps each kernel's previous sample, which a CPU
/// percentage and a line rate need. Reads /proc and /sys directly; the supervisor calls it on its metrics
/// interval and publishes what it returns.
struct MetricsSampler: Sendable {
    /// One round of samples.
    struct Round: Sendable {
        var host: HostSample?
        /// Kernels with a new reading (a kernel's first sample after a (re)start gives none yet).
        var kernels: [String: KernelMetrics] = [:]
        var cgroups: [String: CgroupSample] = [:]
    }

    /// What the supervisor knows of one running kernel.
    struct Process: Sendable {
        var pid: Int32
        var cgroup: URL?
        /// Lines its captures have delivered since it started (stdout and stderr).
        var lines: Int
    }

    private var hostSampler = HostSampler()
    private var trackers: [String: CPUUsageTracker] = [:]
    /// Each kernel's line count at its previous sample, with the process it was counted for.
    private var lines: [String: (pid: Int32, lines: Int, time: ContinuousClock.Instant)] = [:]
    private let cgroups: CgroupManager?

    init(cgroups: CgroupManager?) {
        self.cgroups = cgroups
    }

    /// Samples `processes` (kernel name -> process). Kernels no longer listed are forgotten.
    mutating func sample(_ processes: [String: Process]) -> Round {
        var round = Round(host: hostSampler.sample())
        trackers = trackers.filter { processes[$0.key] != nil }
        lines = lines.filter { processes[$0.key] != nil }
        let zombies = ZombieCensus.count(kernels: Set(processes.values.map(\.pid)))
        for (name, process) in processes {
            guard let sample = ProcessSampler.sample(pid: process.pid) else { continue }
            let previousLines = lines[name]
            lines[name] = (process.pid, process.lines, sample.time)
            if var metrics = trackers[name, default: CPUUsageTracker()].update(sample) {
                metrics.zombies = zombies[process.pid] ?? 0
                if let previousLines, previousLines.pid == process.pid, process.lines >= previousLines.lines {
                    let elapsed = previousLines.time.duration(to: sample.time).components
                    let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
                    if seconds > 0 {
                        metrics.logLinesPerSecond = Double(process.lines - previousLines.lines) / seconds
                    }
                }
                round.kernels[name] = metrics
            }
            if let cgroups, let group = process.cgroup, let reading = cgroups.read(group) {
                round.cgroups[name] = reading
            }
        }
        return round
    }
}
