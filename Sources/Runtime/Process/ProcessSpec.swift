import Foundation
import GraceDSL

/// Everything needed to start one process, resolved from a kernel (or a command) ahead of time.
public struct ProcessSpec: Sendable, Hashable {
    /// Absolute path of the executable.
    public var executable: String
    /// argv, including argv[0].
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String?
    public var userID: UInt32?
    public var groupID: UInt32?
    /// Resource limits (soft = hard).
    public var limits: [ResourceLimit: UInt64]

    public init(
        executable: String, arguments: [String], environment: [String: String],
        workingDirectory: String? = nil, userID: UInt32? = nil, groupID: UInt32? = nil,
        limits: [ResourceLimit: UInt64] = [:]
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.userID = userID
        self.groupID = groupID
        self.limits = limits
    }
}

/// A resource limit a kernel may set (`limits:` in the DSL), by name rather than by its platform number.
public enum ResourceLimit: String, Sendable, Hashable, Comparable, CaseIterable {
    /// RLIMIT_NOFILE: open file descriptors.
    case nofile
    /// RLIMIT_NPROC: processes of the user.
    case nproc

    /// The RLIMIT_* number for setrlimit(2).
    public var resource: Int32 {
        switch self {
        case .nofile: Int32(RLIMIT_NOFILE.rawValue)
        case .nproc: 6  // RLIMIT_NPROC: Glibc hides the name from Swift; the number is Linux ABI
        }
    }

    public static func < (a: ResourceLimit, b: ResourceLimit) -> Bool { a.rawValue < b.rawValue }
}

/// Why a process could not be started.
public struct SpawnError: Error, CustomStringConvertible, Sendable {
    public var executable: String
    public var stage: String
    public var errno: Int32

    public var description: String {
        "cannot start \(executable): \(stage) failed: \(String(cString: strerror(errno)))"
    }
}

/// Resolves what a command names, the way the compiler checked it: absolute, relative to the root, next to
/// the `grace` binary, or in PATH.
public struct ExecutableLocator: Sendable {
    public var root: String
    public var toolDirectories: [String]
    public var path: [String]

    public init(root: String, toolDirectories: [String], path: String? = ProcessInfo.processInfo.environment["PATH"]) {
        self.root = root
        self.toolDirectories = toolDirectories
        self.path = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
    }

    public func locate(_ name: String) -> String? {
        let fm = FileManager.default
        if name == "grace", let me = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return me }
        if name.hasPrefix("/") { return fm.isExecutableFile(atPath: name) ? name : nil }
        if name.contains("/") {
            let full = (root as NSString).appendingPathComponent(name)
            return fm.isExecutableFile(atPath: full) ? full : nil
        }
        for dir in toolDirectories + path where !dir.isEmpty {
            let full = (dir as NSString).appendingPathComponent(name)
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue, fm.isExecutableFile(atPath: full) {
                return full
            }
        }
        return nil
    }
}
