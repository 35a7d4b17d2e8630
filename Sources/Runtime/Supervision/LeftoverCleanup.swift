import Foundation
import Interpreter

/// Kernels a crashed Grace left running: their process groups are stopped (the kernel's stop signal, then
/// SIGKILL after its grace period) so that the new run starts from a clean slate. They are found by the pids the
/// old Grace recorded and by their environment (a crash between spawn and record leaves no record). They are not
/// this Grace's children, so a pidfd tells when they are gone.
struct LeftoverCleanup: Sendable {
    /// How to stop one kernel's leftover.
    struct StopPolicy: Sendable {
        var signal: Int32
        var grace: Duration
    }

    let journal: Journal
    let stateDirectory: String

    /// Leftover kernel processes: pid -> kernel name.
    func find() -> [Int32: String] {
        var leftovers: [Int32: String] = [:]
        for record in (try? journal.store.kernelRecords()) ?? [] {
            // The pid must still lead the recorded group and have started when the kernel did: after a reboot or
            // a long outage the pid may be another process's, and one leading its own group (a service, a shell, a
            // child of Foundation's `Process`) would otherwise be stopped. A record without a start time (written
            // before records had one) is left to the environment scan below.
            guard let pid = record.pid, let pgid = record.processGroup, pid > 0, pgid > 0,
                let recorded = record.startedAt,
                LeftoverProcess.matches(pid: pid, processGroup: pgid),
                let started = LeftoverProcess.startTime(of: pid),
                abs(started.timeIntervalSince(recorded)) <= LeftoverProcess.startTolerance
            else { continue }
            leftovers[pid] = record.name
        }
        for found in LeftoverProcess.scan(stateDirectory: stateDirectory) {
            leftovers[found.pid] = found.kernel
        }
        return leftovers
    }

    /// Stops every leftover, journaling what it found and how each ended. `policy` gives a kernel's stop signal
    /// and grace period (nil for a kernel no longer configured: SIGTERM and 10 s).
    /// Returns the names of the kernels it stopped. `sparing` are pids not to touch (kernels adopted after a reexec).
    @discardableResult
    func stopAll(sparing: Set<Int32> = [], policy: (String) -> StopPolicy?) async -> [String] {
        var stopped: [String] = []
        for (pid, name) in find().sorted(by: { $0.value < $1.value }) where !sparing.contains(pid) {
            stopped.append(name)
            journal.append(.kernelLeftoverFound(kernel: name, pid: pid))
            let stop = policy(name) ?? StopPolicy(signal: SIGTERM, grace: .seconds(10))
            let how = await LeftoverProcess.stop(pid: pid, processGroup: pid, signal: stop.signal, grace: stop.grace)
            journal.append(.kernelLeftoverStopped(kernel: name, pid: pid, how: how))
        }
        return stopped
    }
}
