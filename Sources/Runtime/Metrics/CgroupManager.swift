import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Puts kernels in cgroup v2 groups of their own under Grace's cgroup, with optional memory and CPU limits, and
/// reads their figures.
///
/// Layout, with `base` the cgroup Grace was started in (e.g. `/sys/fs/cgroup/system.slice/grace.service`):
///
///     base/                  cgroup.subtree_control: +cpu +memory +pids
///     base/grace/            Grace itself, moved here if base had to be emptied to enable controllers
///     base/kernel-<name>/    one group per kernel
///
/// cgroup v2 only lets a group hand controllers to its children when it has no processes of its own (except
/// the root), so when enabling them fails with EBUSY Grace moves the processes of `base` into the leaf
/// `base/grace` first. Under systemd, run Grace with `Delegate=yes` so that `base` is Grace's to manage.
public struct CgroupManager: Sendable {
    /// Grace's own cgroup directory.
    public let base: URL
    let basePath: String

    init(basePath: String) {
        self.basePath = basePath
        self.base = URL(fileURLWithPath: basePath, isDirectory: true)
    }

    /// A manager for Grace's own cgroup, or nil unless /sys/fs/cgroup is a cgroup2 mount (not a v1 or hybrid
    /// layout) and Grace may create groups under the cgroup it runs in.
    public static func detect() -> CgroupManager? {
        detect(mountPoint: "/sys/fs/cgroup", selfCgroupFile: "/proc/self/cgroup")
    }

    static func detect(mountPoint: String, selfCgroupFile: String) -> CgroupManager? {
        if case .available(let manager) = availability(mountPoint: mountPoint, selfCgroupFile: selfCgroupFile) {
            return manager
        }
        return nil
    }

    /// Whether Grace can put kernels in cgroups here: a manager, or why not in words an operator can act on.
    public enum Availability: Sendable {
        /// cgroup v2, and Grace may create groups under its own.
        case available(CgroupManager)
        /// Why `limits.memory` and `limits.cpu` cannot be enforced on this host.
        case unavailable(reason: String)
    }

    /// ``detect()``, with the reason when there is no manager.
    public static func availability() -> Availability {
        availability(mountPoint: "/sys/fs/cgroup", selfCgroupFile: "/proc/self/cgroup")
    }

    static func availability(mountPoint: String, selfCgroupFile: String) -> Availability {
        guard isCgroup2(mountPoint: mountPoint) else {
            return .unavailable(reason: "\(mountPoint) is not a cgroup v2 (unified) hierarchy")
        }
        guard let text = readText(selfCgroupFile), let own = CgroupFiles.unifiedPath(procSelfCgroup: text) else {
            return .unavailable(reason: "\(selfCgroupFile) names no cgroup v2 group for Grace")
        }
        let basePath = own == "/" ? mountPoint : mountPoint + own
        // The only reliable test of delegation is trying: permissions, namespaces and read-only mounts all differ.
        let probe = basePath + "/grace-probe-\(getpid())"
        guard mkdir(probe, 0o755) == 0 else {
            let why = String(cString: strerror(errno))
            return .unavailable(
                reason: "Grace may not create groups under \(basePath) (\(why)); under systemd, set Delegate=yes")
        }
        rmdir(probe)
        return .available(CgroupManager(basePath: basePath))
    }

    /// Whether the file system mounted at `mountPoint` is cgroup2. This is what `statfs(2)` reports as
    /// `CGROUP2_SUPER_MAGIC` (0x63677270); Glibc's Swift module does not export statfs, so the same fact is
    /// read from the mount table.
    static func isCgroup2(mountPoint: String) -> Bool {
        guard let table = readText("/proc/self/mountinfo", capacity: 256 << 10) else { return false }
        return CgroupFiles.fileSystemType(mountInfo: table, mountPoint: mountPoint) == "cgroup2"
    }

    /// Creates (or adopts, after a restart of Grace) the group of `kernel` and sets its limits: `memoryMax` in
    /// bytes (`memory.max`) and `cpuMaxPercent` of one core (`cpu.max`); nil removes a limit a previous run set.
    /// Throws ``CgroupError/controllerUnavailable(controller:group:)`` when a limit is asked for but its controller
    /// cannot be enabled.
    public func create(kernel: String, memoryMax: UInt64?, cpuMaxPercent: Double?) throws -> URL {
        guard CgroupFiles.isValidGroupName(kernel) else { throw CgroupError.invalidKernelName(kernel) }
        if let cpuMaxPercent, !(cpuMaxPercent > 0 && cpuMaxPercent.isFinite) {
            throw CgroupError.invalidCPULimit(cpuMaxPercent)
        }
        enableControllers()
        let group = basePath + "/kernel-" + kernel
        var created = false
        if mkdir(group, 0o755) == 0 {
            created = true
        } else if errno != EEXIST {
            throw CgroupError.system(operation: "mkdir", path: group, errno: errno)
        }
        do {
            try setLimit(
                memoryMax.map(String.init) ?? "max", required: memoryMax != nil,
                file: "memory.max", controller: "memory", group: group)
            try setLimit(
                cpuMaxPercent.map(CgroupFiles.cpuMax(percent:)) ?? "max", required: cpuMaxPercent != nil,
                file: "cpu.max", controller: "cpu", group: group)
        } catch {
            if created { rmdir(group) }
            throw error
        }
        return URL(fileURLWithPath: group, isDirectory: true)
    }

    /// Moves `pid` (the whole process, all its threads) into `group`. Children it forks afterwards are born there.
    public func add(pid: Int32, to group: URL) throws {
        let path = group.path + "/cgroup.procs"
        if let code = Self.writeFile("\(pid)", to: path) {
            throw CgroupError.system(operation: "write", path: path, errno: code)
        }
    }

    /// Reads the group's figures; nil when the group does not exist.
    public func read(_ group: URL) -> CgroupSample? {
        let path = group.path
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return CgroupSample(
            memoryBytes: ProcFile.withContents(of: path + "/memory.current", capacity: 64, CgroupFiles.number),
            cpuUsageMicroseconds: ProcFile.withContents(of: path + "/cpu.stat", capacity: 512) {
                CgroupFiles.keyedValue($0, key: "usage_usec")
            },
            pids: ProcFile.withContents(of: path + "/pids.current", capacity: 64, CgroupFiles.number)
                .map { Int(clamping: $0) },
            oomKills: ProcFile.withContents(of: path + "/memory.events", capacity: 512) {
                CgroupFiles.keyedValue($0, key: "oom_kill")
            }
        )
    }

    /// SIGKILLs every process in the group at once (`cgroup.kill`, Linux 5.14), escaped grandchildren included.
    public func killAll(in group: URL) throws {
        let path = group.path + "/cgroup.kill"
        if let code = Self.writeFile("1", to: path) {
            throw CgroupError.system(operation: "write", path: path, errno: code)
        }
    }

    /// Removes the group. A group still holding processes cannot be removed, so those are killed first and the
    /// removal is retried for up to about 100 ms while they die; after that the group is left in place (a later
    /// ``create(kernel:memoryMax:cpuMaxPercent:)`` adopts it).
    public func remove(_ group: URL) {
        let path = group.path
        if rmdir(path) == 0 || errno == ENOENT { return }
        guard errno == EBUSY else { return }
        try? killAll(in: group)
        for _ in 0..<20 {
            usleep(5_000)
            if rmdir(path) == 0 || errno != EBUSY { return }
        }
    }

    /// Enables the wanted controllers that `base` offers in its `cgroup.subtree_control`, emptying `base` into
    /// the leaf `base/grace` if the kernel refuses because `base` holds processes. Failures are left for
    /// `create` to report, and only if a limit needs the missing controller.
    private func enableControllers() {
        let available = CgroupFiles.controllers(Self.readText(basePath + "/cgroup.controllers") ?? "")
        let enabled = CgroupFiles.controllers(Self.readText(basePath + "/cgroup.subtree_control") ?? "")
        let missing = CgroupFiles.wantedControllers.filter { available.contains($0) && !enabled.contains($0) }
        guard !missing.isEmpty else { return }
        let control = basePath + "/cgroup.subtree_control"
        for controller in missing {
            if Self.writeFile("+" + controller, to: control) == EBUSY {
                moveProcessesToLeaf()
                _ = Self.writeFile("+" + controller, to: control)
            }
        }
    }

    private func moveProcessesToLeaf() {
        let leaf = basePath + "/grace"
        guard mkdir(leaf, 0o755) == 0 || errno == EEXIST else { return }
        let procs = Self.readText(basePath + "/cgroup.procs") ?? ""
        for pid in procs.split(separator: "\n") {
            _ = Self.writeFile(String(pid), to: leaf + "/cgroup.procs")
        }
    }

    private func setLimit(_ value: String, required: Bool, file: String, controller: String, group: String) throws {
        let path = group + "/" + file
        guard let code = Self.writeFile(value, to: path) else { return }
        guard required else { return }
        if code == ENOENT { throw CgroupError.controllerUnavailable(controller: controller, group: group) }
        throw CgroupError.system(operation: "write", path: path, errno: code)
    }

    /// Writes `value` with one write(2), as cgroupfs expects; returns errno on failure.
    static func writeFile(_ value: String, to path: String) -> Int32? {
        let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var value = value
        let written = value.withUTF8 { write(fd, $0.baseAddress, $0.count) }
        return written == value.utf8.count ? nil : (written < 0 ? errno : EIO)
    }

    static func readText(_ path: String, capacity: Int = 4096) -> String? {
        guard capacity > 16 << 10 else {
            return ProcFile.withContents(of: path, capacity: capacity) { String(decoding: $0, as: UTF8.self) }
        }
        // Too large for the stack: the mount table, read once at startup.
        return FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}
