import Foundation
import Glibc
import GraceDSL
import Interpreter
import Logging

/// Starts a kernel's process: stdout and stderr into pipes whose lines go to the kernel's log file and to the
/// observers, `NOTIFY_SOCKET` and `WATCHDOG_USEC` in its environment, placed in its cgroup, and the reaper told
/// at once, so that an exit a microsecond later is not missed.
struct KernelSpawner: Sendable {
    /// A process that is running now.
    struct Spawned: Sendable {
        var pid: Int32
        var captures: [LogCapture]
    }

    let reaper: ChildReaper
    let reactor: IOReactor
    let hub: ObservationHub
    let cgroups: CgroupManager?
    let logger: Logger

    /// Spawns `spec` for `kernel`; `onExit` runs on the reaper's thread when the process (its pid given) ends.
    func spawn(
        _ spec: ProcessSpec, kernel: Kernel, notifySocket: String?, logFile: LogFile, cgroup: URL?,
        onExit: @escaping @Sendable (Int32, ExitStatus) -> Void
    ) throws -> Spawned {
        let name = kernel.header.name.value
        var launch = spec
        if let notifySocket { launch.environment["NOTIFY_SOCKET"] = notifySocket }
        if let watchdog = kernel.watchdog { launch.environment["WATCHDOG_USEC"] = String(watchdog.milliseconds * 1000) }
        let out = try PipeDescriptors()
        let err: PipeDescriptors
        do {
            err = try PipeDescriptors()
        } catch {
            [out.read, out.write].forEach { _ = close($0) }
            throw error
        }
        let pid: Int32
        do {
            pid = try Spawner.spawn(launch, descriptors: .init(stdout: out.write, stderr: err.write), reaper: reaper)
        } catch {
            [out.read, out.write, err.read, err.write].forEach { _ = close($0) }
            throw error
        }
        _ = close(out.write)
        _ = close(err.write)
        reaper.watch(pid) { onExit(pid, $0) }
        let hub = hub
        let forward: @Sendable (LogLine) -> Void = { hub.publish(.log($0)) }
        let captures = [
            LogCapture(kernel: name, stream: .stdout, fd: out.read, file: logFile, reactor: reactor, onLine: forward),
            LogCapture(kernel: name, stream: .stderr, fd: err.read, file: logFile, reactor: reactor, onLine: forward),
        ]
        captures.forEach { $0.start() }
        if let cgroups, let cgroup {
            do {
                try cgroups.add(pid: pid, to: cgroup)
            } catch {
                logger.warning("kernel \(name): not in its cgroup: \(error)")
            }
        }
        return Spawned(pid: pid, captures: captures)
    }

    /// The kernel's own cgroup (v2), made on first use, with its `limits.memory` and `limits.cpu`; nil without
    /// cgroup v2. Throws when the group or a limit cannot be set up.
    func makeCgroup(for kernel: Kernel) throws -> URL? {
        guard let cgroups else { return nil }
        return try cgroups.create(
            kernel: kernel.header.name.value, memoryMax: kernel.limits.memory?.bytes,
            cpuMaxPercent: kernel.limits.cpu?.value)
    }
}
