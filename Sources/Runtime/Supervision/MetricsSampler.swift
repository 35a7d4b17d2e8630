import Foundation

/// Samples the host and every running kernel's process (CPU, memory, threads, descriptors) and, where cgroup v2
/// is in use, the kernel's group. Keeps each kernel's previous sample, which a CPU percentage needs. Reads /proc
/// and /sys directly; the supervisor calls it on its metrics interval and publishes what it returns.
struct MetricsSampler: Sendable {
    /// One round of samples.
    struct Round: Sendable {
        var host: HostSample?
        /// Kernels with a new reading (a kernel's first sample after a (re)start gives none yet).
        var kernels: [String: KernelMetrics] = [:]
        var cgroups: [String: CgroupSample] = [:]
    }

    private var hostSampler = HostSampler()
    private var trackers: [String: CPUUsageTracker] = [:]
    private let cgroups: CgroupManager?

    init(cgroups: CgroupManager?) {
        self.cgroups = cgroups
    }

    /// Samples `processes` (kernel name -> pid and cgroup). Kernels no longer listed are forgotten.
    mutating func sample(_ processes: [String: (pid: Int32, cgroup: URL?)]) -> Round {
        var round = Round(host: hostSampler.sample())
        trackers = trackers.filter { processes[$0.key] != nil }
        for (name, process) in processes {
            guard let sample = ProcessSampler.sample(pid: process.pid) else { continue }
            if let metrics = trackers[name, default: CPUUsageTracker()].update(sample) { round.kernels[name] = metrics }
            if let cgroups, let group = process.cgroup, let reading = cgroups.read(group) {
                round.cgroups[name] = reading
            }
        }
        return round
    }
}
