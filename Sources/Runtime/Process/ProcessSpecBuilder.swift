import Foundation
import Glibc
import GraceDSL

/// Looks users and groups up by name (the system's passwd and group databases in Grace; a table in tests).
public protocol UserDirectory: Sendable {
    /// The user's uid and primary gid; nil when there is no such user.
    func user(named name: String) -> (uid: UInt32, gid: UInt32)?
    /// The group's gid; nil when there is no such group.
    func group(named name: String) -> UInt32?
}

/// The machine's users and groups, through getpwnam_r(3) and getgrnam_r(3) (reentrant: kernels are spawned
/// from several tasks at once).
public struct SystemUserDirectory: UserDirectory {
    /// The system's user and group databases.
    public init() {}

    /// Looks `name` up with getpwnam_r(3); safe to call from several threads at once.
    public func user(named name: String) -> (uid: UInt32, gid: UInt32)? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return (entry.pw_uid, entry.pw_gid)
    }

    /// Looks `name` up with getgrnam_r(3); safe to call from several threads at once.
    public func group(named name: String) -> UInt32? {
        var entry = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }
}

/// Resolves a kernel into what it takes to start its process: the executable, the environment (Grace's own, the
/// kernel's `env`, and the variables by which a later Grace recognises a leftover), the working directory, limits
/// and identity. Creates the kernel's `data` directories, which must exist before it starts.
struct ProcessSpecBuilder: Sendable {
    var root: String
    var stateDirectory: String
    var locator: ExecutableLocator
    var users: any UserDirectory
    /// The environment kernels inherit (Grace's own, without its sd_notify variables).
    var baseEnvironment: [String: String]
    /// The fleet instance this Grace runs as, given to every kernel as `GRACE_INSTANCE` (one configuration root
    /// serves every instance: a kernel tells its own data and ports apart by it).
    var instance: String?

    init(
        root: String, stateDirectory: String, locator: ExecutableLocator,
        users: any UserDirectory = SystemUserDirectory(),
        baseEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.root = root
        self.stateDirectory = stateDirectory
        self.locator = locator
        self.users = users
        self.baseEnvironment = baseEnvironment
    }

    func spec(for kernel: Kernel) throws(SpawnError) -> ProcessSpec {
        guard let command = kernel.command?.value, let executable = locator.locate(command.executable) else {
            throw SpawnError(executable: kernel.command?.value.executable ?? "?", stage: "lookup", errno: ENOENT)
        }
        var environment = baseEnvironment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment.removeValue(forKey: ReexecHandoff.environmentVariable)
        environment.removeValue(forKey: "WATCHDOG_USEC")
        // Grace's own, when systemd watches Grace: a kernel that inherited it would take its watchdog for Grace's.
        environment.removeValue(forKey: "WATCHDOG_PID")
        for (key, value) in kernel.env { environment[key] = value }
        environment[LeftoverProcess.kernelVariable] = kernel.header.name.value
        environment[LeftoverProcess.stateVariable] = stateDirectory
        if let instance { environment["GRACE_INSTANCE"] = instance }
        var limits: [ResourceLimit: UInt64] = [:]
        if let nofile = kernel.limits.nofile { limits[.nofile] = UInt64(nofile) }
        if let nproc = kernel.limits.nproc { limits[.nproc] = UInt64(nproc) }
        var spec = ProcessSpec(
            executable: executable, arguments: command.arguments, environment: environment,
            workingDirectory: kernel.cwd.map(absolute) ?? root, limits: limits)
        if let name = kernel.user {
            guard let user = users.user(named: name) else {
                throw SpawnError(executable: executable, stage: "user \(name)", errno: ENOENT)
            }
            spec.userID = user.uid
            spec.groupID = user.gid
        }
        if let name = kernel.group {
            guard let gid = users.group(named: name) else {
                throw SpawnError(executable: executable, stage: "group \(name)", errno: ENOENT)
            }
            spec.groupID = gid
        }
        for path in kernel.data {
            try? FileManager.default.createDirectory(atPath: absolute(path.value), withIntermediateDirectories: true)
        }
        return spec
    }

    private func absolute(_ path: String) -> String {
        (path as NSString).isAbsolutePath ? path : (root as NSString).appendingPathComponent(path)
    }
}
