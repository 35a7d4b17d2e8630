import Foundation
import GraceDSL

/// Everything needed to start one process, resolved from a kernel (or a command) ahead of time.
struct ProcessSpec: Sendable, Hashable {
    /// Absolute path of the executable.
    var executable: String
    /// argv, including argv[0].
    var arguments: [String]
    var environment: [String: String]
    var workingDirectory: String?
    var userID: UInt32?
    var groupID: UInt32?
    /// Resource limits (soft = hard).
    var limits: [ResourceLimit: UInt64]

    init(
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
enum ResourceLimit: String, Sendable, Hashable, Comparable, CaseIterable {
    /// RLIMIT_NOFILE: open file descriptors.
    case nofile
    /// RLIMIT_NPROC: processes of the user.
    case nproc

    /// The RLIMIT_* number for setrlimit(2).
    var resource: Int32 {
        switch self {
        case .nofile: Int32(RLIMIT_NOFILE.rawValue)
        case .nproc: 6  // RLIMIT_NPROC: Glibc hides the name from Swift; the number is Linux ABI
        }
    }

    static func < (a: ResourceLimit, b: ResourceLimit) -> Bool { a.rawValue < b.rawValue }
}

/// Why a process could not be started.
struct SpawnError: Error, CustomStringConvertible, Sendable {
    var executable: String
    var stage: String
    var errno: Int32

    var description: String {
        "cannot start \(executable): \(stage) failed: \(String(cString: strerror(errno)))"
    }
}

/// Resolves what a command names, the way the compiler checked it: absolute, relative to the root, next to
/// the `grace` binary, or in PATH.
public struct ExecutableLocator: Sendable {
    /// The configuration root, against which a relative command (`bin/server`) is resolved.
    public var root: String
    /// Directories searched before PATH (where `grace` itself lives, so `grace-demo` is found next to it).
    public var toolDirectories: [String]
    /// PATH's directories, in order.
    public var path: [String]

    /// A locator over `root`; `path` is a PATH-style list, Grace's own PATH by default (`/usr/local/bin:/usr/bin:/bin`
    /// when it has none).
    public init(root: String, toolDirectories: [String], path: String? = ProcessInfo.processInfo.environment["PATH"]) {
        self.root = root
        self.toolDirectories = toolDirectories
        self.path = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
    }

    /// The executable `name` runs: `grace` is this binary; an absolute path as is, a path with a slash under the root,
    /// a bare name in the tool directories, then PATH. nil when there is no executable file there.
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
