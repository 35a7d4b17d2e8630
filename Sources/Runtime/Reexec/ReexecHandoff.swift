// What one image of Grace hands the next when it re-executes itself in place: written into the state directory
// just before `execve`, read by the new image before it opens anything else, deleted once the kernels are adopted.
import Foundation

/// The handoff file of `grace reexec`: the running kernels (their pids, the descriptors of their captured output,
/// what supervising them needs), the descriptor of the state-directory lock, and the reexec history (generation and
/// times, for the limit). JSON, versioned; the new image refuses a version it does not know and starts afresh.
public struct ReexecHandoff: Codable, Sendable, Equatable {
    /// One kernel that was running when the old image handed over.
    public struct Kernel: Codable, Sendable, Equatable {
        /// Its name in the configuration.
        public var name: String
        /// Its process, which is also its process group; still a child of Grace's pid after the exec.
        public var pid: Int32
        /// Field 22 of `/proc/PID/stat` when handed over: a pid reused by another process has another start time.
        public var startTicks: UInt64?
        /// The read end of its stdout pipe, inherited across the exec (FD_CLOEXEC cleared).
        public var stdoutFD: Int32
        /// The read end of its stderr pipe, inherited across the exec.
        public var stderrFD: Int32
        /// Whether it was ready (running) rather than still starting.
        public var ready: Bool
        /// When its process was spawned.
        public var startedAt: Date
        /// Restarts by its policy so far (kept, so that `restarts` does not start over at a reexec).
        public var restarts: Int
        /// Restarts asked for (playbooks, the API) so far.
        public var requestedRestarts: Int
        /// Whether its group was SIGSTOPped by `pause`.
        public var paused: Bool
        /// Its cgroup v2 directory, when it has one.
        public var cgroup: String?
        /// The sd_notify socket in its environment (`NOTIFY_SOCKET`); the new image binds it again at this path.
        public var notifySocket: String?

        /// Makes an entry from its parts.
        public init(
            name: String, pid: Int32, startTicks: UInt64?, stdoutFD: Int32, stderrFD: Int32, ready: Bool,
            startedAt: Date, restarts: Int, requestedRestarts: Int = 0, paused: Bool = false, cgroup: String? = nil,
            notifySocket: String? = nil
        ) {
            self.name = name
            self.pid = pid
            self.startTicks = startTicks
            self.stdoutFD = stdoutFD
            self.stderrFD = stderrFD
            self.ready = ready
            self.startedAt = startedAt
            self.restarts = restarts
            self.requestedRestarts = requestedRestarts
            self.paused = paused
            self.cgroup = cgroup
            self.notifySocket = notifySocket
        }
    }

    /// The format of this file; a new image that does not know it ignores the handoff and starts afresh.
    public static let currentVersion = 1
    /// The environment variable that tells a starting `grace run` it is a re-executed image: the handoff's path.
    public static let environmentVariable = "GRACE_REEXEC"
    /// The file's name in the state directory.
    public static let fileName = "reexec.json"

    /// The format of this file (`currentVersion` when written by this build).
    public var version: Int
    /// Which image this is, counted from 0 (the `grace run` that was started) within the life of the pid.
    public var generation: Int
    /// Why Grace re-executed itself (`grace reexec`, the escalation of the component tree, an upgrade).
    public var reason: String
    /// The executable the new image runs.
    public var executable: String
    /// The pid that re-executed (the new image checks it is the same process).
    public var pid: Int32
    /// The state-directory lock's descriptor, inherited across the exec so that no other Grace can take the lock in
    /// the window; the new image adopts it by number.
    public var lockFD: Int32
    /// When the request was accepted, to measure the handoff.
    public var requestedAt: Date
    /// When each reexec of this pid happened (this one included), for the limit.
    public var history: [Date]
    /// The kernels that were running.
    public var kernels: [Kernel]

    /// Makes a handoff of the current version.
    public init(
        generation: Int, reason: String, executable: String, pid: Int32, lockFD: Int32, requestedAt: Date,
        history: [Date], kernels: [Kernel]
    ) {
        version = Self.currentVersion
        self.generation = generation
        self.reason = reason
        self.executable = executable
        self.pid = pid
        self.lockFD = lockFD
        self.requestedAt = requestedAt
        self.history = history
        self.kernels = kernels
    }

    /// The handoff file of a state directory.
    public static func path(in stateDirectory: URL) -> String {
        stateDirectory.appendingPathComponent(fileName).path
    }

    /// The file's bytes: sorted keys, dates as ISO 8601 with milliseconds lost to neither side (seconds since 1970).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .secondsSince1970
        return try encoder.encode(self)
    }

    /// Reads a handoff; throws `ReexecError.unreadableHandoff` for a missing, malformed or unknown-version file.
    public static func decode(_ data: Data, path: String) throws(ReexecError) -> ReexecHandoff {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        let handoff: ReexecHandoff
        do {
            handoff = try decoder.decode(ReexecHandoff.self, from: data)
        } catch {
            throw .unreadableHandoff(path: path, reason: String(describing: error))
        }
        guard handoff.version == currentVersion else {
            throw .unreadableHandoff(
                path: path, reason: "version \(handoff.version), this build reads \(currentVersion)")
        }
        return handoff
    }

    /// Reads the handoff at `path`.
    public static func read(path: String) throws(ReexecError) -> ReexecHandoff {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableHandoff(path: path, reason: "no such file")
        }
        return try decode(data, path: path)
    }

    /// Writes the file atomically (a temporary file renamed over it) and syncs it.
    public func write(to path: String) throws(ReexecError) {
        do {
            let data = try encoded()
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .cannotWriteHandoff(path: path, reason: String(describing: error))
        }
    }
}
