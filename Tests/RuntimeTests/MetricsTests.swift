import Foundation
import Interpreter
import Testing

@testable import Runtime

#if canImport(Glibc)
import Glibc
#endif

// Serialized: the cost measurement and the busy-loop window would otherwise compete for the same cores.
@Suite("Process and host metrics from /proc", .serialized, .timeLimit(.minutes(5)))
struct MetricsTests {
    @Test("sampling this test process finds its memory, threads and descriptors")
    func sampleSelf() throws {
        let sample = try #require(ProcessSampler.sample(pid: getpid()))
        #expect(sample.pid == getpid())
        #expect(sample.rssBytes > 1 << 20)
        #expect(sample.threads >= 1)
        #expect(sample.openFDs > 0)
        #expect(sample.cpuTicks > 0)
    }

    @Test("a child process is sampled while it runs and is gone once reaped")
    func sampleChild() throws {
        let child = try MetricsChild("sleep 5")
        defer { child.stop() }
        // Right after spawning, the child may still be inside execve with no pages mapped: sample until it is not.
        var sample = try #require(ProcessSampler.sample(pid: child.pid))
        for _ in 0..<200 where sample.rssBytes == 0 {
            usleep(5_000)
            sample = try #require(ProcessSampler.sample(pid: child.pid))
        }
        #expect(sample.rssBytes > 0)
        #expect(sample.threads >= 1)
        #expect(sample.openFDs > 0)
        child.stop()
        #expect(ProcessSampler.sample(pid: child.pid) == nil)
    }

    @Test("a process that never exists has no sample")
    func missingProcess() {
        #expect(ProcessSampler.sample(pid: Int32.max) == nil)
        #expect(ProcessSampler.sample(pid: 0) == nil)
        #expect(ProcessSampler.sample(pid: -1) == nil)
    }

    @Test("a busy loop shows more than half a core over a short window")
    func busyLoop() throws {
        // Builds share this machine. With autogroup scheduling every session gets an equal share, so the loop
        // runs in a session of its own, and (where permitted) that session is favored.
        let child = try MetricsChild("while :; do :; done", newSession: true)
        defer { child.stop() }
        if let autogroup = fopen("/proc/\(child.pid)/autogroup", "w") {
            fputs("-10", autogroup)
            fclose(autogroup)
        }
        // Wait by sampling until the loop has been scheduled at least once.
        var first = try #require(ProcessSampler.sample(pid: child.pid))
        for _ in 0..<200 where first.cpuTicks == 0 {
            usleep(5_000)
            first = try #require(ProcessSampler.sample(pid: child.pid))
        }
        // The window is the measurement itself. On a shared machine one window can land while other work holds
        // the cores, so take up to five and keep the best.
        var tracker = CPUUsageTracker()
        let none = tracker.update(first)
        #expect(none == nil)
        var best: KernelMetrics?
        for _ in 0..<5 where (best?.cpuPercent ?? 0) <= 50 {
            usleep(300_000)
            let next = try #require(ProcessSampler.sample(pid: child.pid))
            if let metrics = tracker.update(next), metrics.cpuPercent > best?.cpuPercent ?? -1 { best = metrics }
        }
        let metrics = try #require(best)
        print("busy loop: \(String(format: "%.1f", metrics.cpuPercent)) % of one core")
        #expect(metrics.cpuPercent > 50)
        #expect(metrics.cpuPercent < 150)
    }

    @Test("CPU percent is tick delta over elapsed time, and a new PID starts a new window")
    func trackerArithmetic() throws {
        let start = ContinuousClock.now
        func sample(pid: Int32 = 7, ticks: UInt64, after: Duration) -> ProcessSample {
            ProcessSample(pid: pid, cpuTicks: ticks, rssBytes: 4096, threads: 2, openFDs: 5, time: start + after)
        }
        var tracker = CPUUsageTracker(ticksPerSecond: 100)
        let results = [
            tracker.update(sample(ticks: 1000, after: .zero)),
            tracker.update(sample(ticks: 1050, after: .seconds(1))),
            tracker.update(sample(ticks: 1450, after: .seconds(3))),  // two cores busy
            tracker.update(sample(pid: 8, ticks: 3, after: .seconds(4))),  // restarted: new window
            tracker.update(sample(pid: 8, ticks: 3, after: .seconds(5))),
            tracker.update(sample(pid: 8, ticks: 1, after: .seconds(6))),  // counters went backwards
        ]
        #expect(results.map { $0?.cpuPercent } == [nil, 50, 200, nil, 0, nil])
        #expect(results[1] == KernelMetrics(cpuPercent: 50, rssBytes: 4096, threads: 2, openFDs: 5))
    }

    @Test("stat is parsed after the last parenthesis, whatever the command name holds")
    func statWithHostileCommandName() throws {
        let line =
            "4242 (evil) (name) 9) S 1 4242 4242 0 -1 4194560 1503 0 0 0 731 42 0 0 20 0 3 0 559186 3133440 390 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        let stat = try #require(ProcParser.parse(line, with: ProcParser.processStat))
        #expect(
            stat
                == ProcParser.ProcessStat(
                    state: UInt8(ascii: "S"), userTicks: 731, systemTicks: 42, threads: 3, residentPages: 390))
        #expect(ProcParser.parse("4242 (no closing S 1 2", with: ProcParser.processStat) == nil)
        #expect(ProcParser.parse("4242 (short) S 1 2 3", with: ProcParser.processStat) == nil)
    }

    @Test("the host's CPU, memory and load lines are parsed from fixtures")
    func hostParsers() throws {
        let stat = "cpu  376941 0 26192 711668 1503 0 176 415 0 0\ncpu0 183366 0 13593 360774 440 0 17 201 0 0\n"
        let cpu = try #require(ProcParser.parse(stat, with: ProcParser.hostCPUTimes))
        #expect(cpu == ProcParser.HostCPUTimes(total: 1_116_895, idle: 713_171))
        #expect(ProcParser.parse("cpu0 1 2 3 4\n", with: ProcParser.hostCPUTimes) == nil)
        let meminfo = "MemTotal:        8026888 kB\nMemFree:         1212060 kB\nMemAvailable:    6012316 kB\n"
        #expect(
            ProcParser.parse(meminfo, with: ProcParser.memoryInfo)
                == ProcParser.MemoryInfo(totalKiB: 8_026_888, availableKiB: 6_012_316))
        #expect(ProcParser.parse("MemTotal: 10 kB\nMemFree: 5 kB\n", with: ProcParser.memoryInfo) == nil)
        #expect(ProcParser.parse("6.12 3.94 3.39 12/171 25756\n", with: ProcParser.load1) == 6.12)
        #expect(ProcParser.parse("0.00 0.01 0.05 1/80 1\n", with: ProcParser.load1) == 0)
    }

    @Test("a host sample is plausible, and the second one has a CPU figure")
    func hostSample() throws {
        var sampler = HostSampler()
        let firstSample = sampler.sample()
        let first = try #require(firstSample)
        #expect(first.cpuPercent == nil)
        #expect(first.memoryUsedPercent > 0 && first.memoryUsedPercent < 100)
        #expect(first.load1 >= 0)
        #expect(first.diskFreeBytes > 0)
        // Wait by sampling until the kernel's tick counters have moved.
        var second = sampler.sample()
        for _ in 0..<200 where second?.cpuPercent == nil {
            usleep(5_000)
            second = sampler.sample()
        }
        let cpu = try #require(second?.cpuPercent)
        #expect(cpu >= 0 && cpu <= 100)
        var missingDisk = HostSampler(diskPath: "/nonexistent/grace")
        let missing = missingDisk.sample()
        #expect(missing == nil)
    }

    @Test("one kernel sample and one host sample cost microseconds, and every one of them is a whole sample")
    func samplingCost() throws {
        // The cost is printed, not asserted: wall time is inflated by whatever else runs on the machine, and the
        // thread's CPU time (the cost itself) still depends on the machine. Asserted is what the rounds produced.
        let rounds = 2000
        let me = getpid()
        let first = try #require(ProcessSampler.sample(pid: me))
        var samples: [ProcessSample] = []
        samples.reserveCapacity(rounds)
        let kernel = measureCost(rounds) { ProcessSampler.sample(pid: me).map { samples.append($0) } }
        var tracker = CPUUsageTracker()
        var windows: [KernelMetrics?] = []
        let tracked = measureCost(rounds) {
            windows.append(ProcessSampler.sample(pid: me).flatMap { tracker.update($0) })
        }
        var sampler = HostSampler()
        var hosts: [HostSample?] = []
        let host = measureCost(rounds) { hosts.append(sampler.sample()) }
        print("kernel sample: \(kernel.text); with CPU tracking: \(tracked.text); host sample: \(host.text)")

        // Every sample of this process is whole, and its counters only move forward.
        #expect(samples.count == rounds)
        #expect(samples.allSatisfy { $0.pid == me && $0.rssBytes > 0 && $0.threads >= 1 && $0.openFDs > 0 })
        #expect(zip(samples, samples.dropFirst()).allSatisfy { $0.cpuTicks <= $1.cpuTicks && $0.time < $1.time })
        // The CPU time the samples account for covers what this thread spent taking them (the process's ticks
        // include this thread's; two ticks of slack for the truncation of utime and stime to whole ticks).
        let last = try #require(samples.last)
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let accounted = Double(last.cpuTicks - first.cpuTicks) / ticksPerSecond
        #expect(
            accounted >= kernel.cpuSeconds - 2 / ticksPerSecond,
            "the samples account for \(accounted) s of CPU; sampling alone took \(kernel.cpuSeconds) s of this thread's"
        )
        // A sample's CPU time is the process's own as getrusage(2) counts it, read just before and after it (the
        // sample truncates utime and stime to whole ticks: up to two ticks less).
        var before = rusage()
        var after = rusage()
        getrusage(RUSAGE_SELF.rawValue, &before)
        let now = try #require(ProcessSampler.sample(pid: me))
        getrusage(RUSAGE_SELF.rawValue, &after)
        let sampled = Double(now.cpuTicks) / ticksPerSecond
        #expect(
            sampled > before.cpuSeconds - 2 / ticksPerSecond && sampled <= after.cpuSeconds + 0.001,
            "sampled \(sampled) s of CPU; getrusage says \(before.cpuSeconds) s before, \(after.cpuSeconds) s after")
        // CPU tracking has a figure for every window after the first.
        #expect(windows.count == rounds)
        #expect(windows.first == .some(nil))
        let figures = windows.dropFirst().compactMap { $0 }
        #expect(figures.count == rounds - 1)
        #expect(figures.allSatisfy { $0.cpuPercent >= 0 && $0.cpuPercent.isFinite && $0.threads >= 1 })
        // Every host sample is plausible; only the first has no CPU figure by definition.
        #expect(hosts.count == rounds)
        let wholeHosts = hosts.compactMap { $0 }
        #expect(wholeHosts.count == rounds)
        #expect(wholeHosts.first?.cpuPercent == nil)
        #expect(
            wholeHosts.allSatisfy { $0.memoryUsedPercent > 0 && $0.memoryUsedPercent < 100 && $0.diskFreeBytes > 0 })
        #expect(wholeHosts.allSatisfy { ($0.cpuPercent ?? 0) >= 0 && ($0.cpuPercent ?? 0) <= 100 })
    }

    @Test("/proc paths are built in place")
    func procPath() {
        let path = ProcFile.withProcessPath(pid: 4_194_304, "stat") { String(cString: $0) }
        #expect(path == "/proc/4194304/stat")
        #expect(ProcFile.withProcessPath(pid: 1, "fd") { String(cString: $0) } == "/proc/1/fd")
    }
}

extension rusage {
    /// User and system time together, in seconds.
    fileprivate var cpuSeconds: Double {
        Double(ru_utime.tv_sec + ru_stime.tv_sec) + Double(ru_utime.tv_usec + ru_stime.tv_usec) * 1e-6
    }
}

/// Runs `body` `rounds` times; describes the mean cost per round in CPU time of this thread and in wall time, and
/// gives the thread's CPU seconds in all.
private func measureCost(_ rounds: Int, _ body: () -> Void) -> (text: String, cpuSeconds: Double) {
    func threadCPU() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }
    let wallStart = ContinuousClock.now
    let cpuStart = threadCPU()
    for _ in 0..<rounds { body() }
    let cpu = threadCPU() - cpuStart
    let wall = wallStart.duration(to: .now).components
    let wallSeconds = Double(wall.seconds) + Double(wall.attoseconds) * 1e-18
    let perRound = 1e6 / Double(rounds)
    return (String(format: "%.1f µs CPU (%.1f µs wall)", cpu * perRound, wallSeconds * perRound), cpu)
}

@Suite("cgroup v2")
struct CgroupTests {
    @Test("no manager on a machine without a cgroup2 mount at /sys/fs/cgroup")
    func detectOnThisMachine() {
        let manager = CgroupManager.detect()
        if !CgroupManager.isCgroup2(mountPoint: "/sys/fs/cgroup") {
            #expect(manager == nil)
        }
        let fake = FileManager.default.temporaryDirectory.path
        #expect(CgroupManager.detect(mountPoint: fake, selfCgroupFile: "/proc/self/cgroup") == nil)
    }

    @Test("the cgroup2 mount is recognized in the mount table, the last mount at a point winning")
    func mountTable() {
        let v1 = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            """
        #expect(CgroupFiles.fileSystemType(mountInfo: v1, mountPoint: "/sys/fs/cgroup") == "tmpfs")
        let v2 = """
            25 30 0:23 / /sys rw,nosuid shared:7 - sysfs sysfs rw
            26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev shared:4 master:1 - cgroup2 cgroup2 rw,nsdelegate
            """
        #expect(CgroupFiles.fileSystemType(mountInfo: v2, mountPoint: "/sys/fs/cgroup") == "cgroup2")
        let remounted = v1 + "\n40 31 0:40 / /sys/fs/cgroup rw - cgroup2 none rw\n"
        #expect(CgroupFiles.fileSystemType(mountInfo: remounted, mountPoint: "/sys/fs/cgroup") == "cgroup2")
        let escaped = "50 1 0:50 / /mnt/my\\040cgroups rw - cgroup2 none rw\n"
        #expect(CgroupFiles.fileSystemType(mountInfo: escaped, mountPoint: "/mnt/my cgroups") == "cgroup2")
        #expect(CgroupFiles.fileSystemType(mountInfo: v1, mountPoint: "/nowhere") == nil)
    }

    @Test("the unified path is read from /proc/self/cgroup, v1 lines ignored")
    func selfCgroup() {
        let hybrid = "9:name=systemd:/\n4:memory:/process_api/93e7\n1:cpu:/\n0::/\n"
        #expect(CgroupFiles.unifiedPath(procSelfCgroup: hybrid) == "/")
        #expect(
            CgroupFiles.unifiedPath(procSelfCgroup: "0::/system.slice/grace.service\n")
                == "/system.slice/grace.service")
        #expect(CgroupFiles.unifiedPath(procSelfCgroup: "4:memory:/a\n1:cpu:/\n") == nil)
        #expect(CgroupFiles.unifiedPath(procSelfCgroup: "0::/../../outside\n") == nil)
    }

    @Test("interface files are parsed from fixtures")
    func interfaceFiles() {
        let cpuStat = "usage_usec 52341\nuser_usec 40000\nsystem_usec 12341\nnr_periods 0\n"
        #expect(ProcParser.parse(cpuStat) { CgroupFiles.keyedValue($0, key: "usage_usec") } == 52341)
        #expect(ProcParser.parse(cpuStat) { CgroupFiles.keyedValue($0, key: "system_usec") } == 12341)
        #expect(ProcParser.parse(cpuStat) { CgroupFiles.keyedValue($0, key: "usage") } == nil)
        let events = "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n"
        #expect(ProcParser.parse(events) { CgroupFiles.keyedValue($0, key: "oom_kill") } == 1)
        #expect(ProcParser.parse(events) { CgroupFiles.keyedValue($0, key: "oom") } == 2)
        #expect(ProcParser.parse("268435456\n", with: CgroupFiles.number) == 268_435_456)
        #expect(ProcParser.parse("max\n", with: CgroupFiles.number) == nil)
        #expect(CgroupFiles.controllers("cpuset cpu io memory pids\n") == ["cpuset", "cpu", "io", "memory", "pids"])
        #expect(CgroupFiles.cpuMax(percent: 50) == "50000 100000")
        #expect(CgroupFiles.cpuMax(percent: 250) == "250000 100000")
        #expect(CgroupFiles.cpuMax(percent: 0.1) == "1000 100000")
        #expect(!CgroupFiles.isValidGroupName("../etc"))
        #expect(!CgroupFiles.isValidGroupName(".."))
        #expect(!CgroupFiles.isValidGroupName(""))
        #expect(CgroupFiles.isValidGroupName("api-2"))
    }

    @Test("groups are created with limits, read and removed (over a fake cgroup tree)")
    func fakeTree() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("grace-cgroup-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/kernel-api", withIntermediateDirectories: true)
        try "cpu memory pids\n".write(toFile: base + "/cgroup.controllers", atomically: false, encoding: .utf8)
        try "".write(toFile: base + "/cgroup.subtree_control", atomically: false, encoding: .utf8)
        for file in ["memory.max", "cpu.max", "cgroup.procs"] {
            try "max\n".write(toFile: base + "/kernel-api/" + file, atomically: false, encoding: .utf8)
        }
        let manager = CgroupManager(basePath: base)

        // An existing group (left by a previous run) is adopted and gets the new limits.
        let group = try manager.create(kernel: "api", memoryMax: 256 << 20, cpuMaxPercent: 50)
        #expect(group.path == base + "/kernel-api")
        #expect(try String(contentsOfFile: group.path + "/memory.max", encoding: .utf8) == "268435456")
        #expect(try String(contentsOfFile: group.path + "/cpu.max", encoding: .utf8) == "50000 100000")
        _ = try manager.create(kernel: "api", memoryMax: nil, cpuMaxPercent: nil)
        #expect(try String(contentsOfFile: group.path + "/memory.max", encoding: .utf8) == "max")
        try manager.add(pid: 1234, to: group)
        #expect(try String(contentsOfFile: group.path + "/cgroup.procs", encoding: .utf8) == "1234")

        // A limit whose controller file is missing is refused, and the new group is not left behind.
        #expect(throws: CgroupError.controllerUnavailable(controller: "memory", group: base + "/kernel-db")) {
            try manager.create(kernel: "db", memoryMax: 1 << 20, cpuMaxPercent: nil)
        }
        #expect(!FileManager.default.fileExists(atPath: base + "/kernel-db"))
        #expect(throws: CgroupError.invalidKernelName("a/b")) {
            try manager.create(kernel: "a/b", memoryMax: nil, cpuMaxPercent: nil)
        }
        #expect(throws: CgroupError.invalidCPULimit(0)) {
            try manager.create(kernel: "api", memoryMax: nil, cpuMaxPercent: 0)
        }

        try "4096\n".write(toFile: group.path + "/memory.current", atomically: false, encoding: .utf8)
        try "usage_usec 777\nuser_usec 700\n".write(
            toFile: group.path + "/cpu.stat", atomically: false, encoding: .utf8)
        try "3\n".write(toFile: group.path + "/pids.current", atomically: false, encoding: .utf8)
        #expect(
            manager.read(group)
                == CgroupSample(memoryBytes: 4096, cpuUsageMicroseconds: 777, pids: 3, oomKills: nil))

        let empty = try manager.create(kernel: "worker", memoryMax: nil, cpuMaxPercent: nil)
        #expect(
            manager.read(empty) == CgroupSample(memoryBytes: nil, cpuUsageMicroseconds: nil, pids: nil, oomKills: nil))
        manager.remove(empty)
        #expect(!FileManager.default.fileExists(atPath: empty.path))
        #expect(manager.read(empty) == nil)
    }
}

/// A `/bin/sh -c` child for sampling, optionally in a session of its own; stopped with SIGKILL and reaped.
private final class MetricsChild: Sendable {
    let pid: pid_t

    init(_ script: String, newSession: Bool = false) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if newSession {
            posix_spawnattr_setflags(&attributes, 0x80)  // POSIX_SPAWN_SETSID (glibc 2.26), not imported into Swift
        }
        let argv: [UnsafeMutablePointer<CChar>?] =
            ["/bin/sh", "-c", script].map { (arg: String) in strdup(arg) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/sh", nil, &attributes, argv, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        self.pid = pid
    }

    /// Kills and reaps the child; idempotent.
    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }
}
