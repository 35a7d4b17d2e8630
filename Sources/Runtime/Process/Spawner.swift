import CGraceSystem
import Foundation

/// Starts processes with fork/exec in C (see CGraceSystem): each in its own process group, with its
/// environment, working directory, limits and identity, and its output on the given descriptors.
enum Spawner {
    /// Output wiring of a new process: descriptors to dup onto 0, 1 and 2 (-1: /dev/null).
    struct Descriptors: Sendable {
        var stdin: Int32 = -1
        var stdout: Int32 = -1
        var stderr: Int32 = -1

        init(stdin: Int32 = -1, stdout: Int32 = -1, stderr: Int32 = -1) {
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    private static let stages = [
        "", "pipe", "fork", "setpgid", "redirecting output", "chdir", "setrlimit", "setgid", "setuid", "exec",
    ]

    /// Starts `spec`; the returned pid leads its own process group (pgid == pid). `reaper` is told a child
    /// exists; the caller must `reaper.watch(pid)` at once.
    static func spawn(
        _ spec: ProcessSpec, descriptors: Descriptors = Descriptors(), reaper: ChildReaper
    ) throws -> Int32 {
        let argv = spec.arguments.map { strdup($0) } + [nil]
        let envp = spec.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let resources = spec.limits.keys.sorted().map(\.resource)
        let values = spec.limits.keys.sorted().map { spec.limits[$0] ?? 0 }
        var pid: pid_t = 0
        var stage: Int32 = 0
        let result: Int32 = spec.executable.withCString { path in
            withOptionalCString(spec.workingDirectory) { cwd in
                argv.withUnsafeBufferPointer { a in
                    envp.withUnsafeBufferPointer { e in
                        resources.withUnsafeBufferPointer { r in
                            values.withUnsafeBufferPointer { v in
                                var request = grace_spawn_request()
                                request.path = path
                                request.argv = UnsafePointer(a.baseAddress)
                                request.envp = UnsafePointer(e.baseAddress)
                                request.cwd = cwd
                                request.stdin_fd = descriptors.stdin
                                request.stdout_fd = descriptors.stdout
                                request.stderr_fd = descriptors.stderr
                                request.uid = spec.userID.map { Int32(bitPattern: $0) } ?? -1
                                request.gid = spec.groupID.map { Int32(bitPattern: $0) } ?? -1
                                request.new_process_group = 1
                                request.rlimit_count = Int32(resources.count)
                                request.rlimit_resources = r.baseAddress
                                request.rlimit_values = v.baseAddress.map {
                                    UnsafeRawPointer($0).assumingMemoryBound(to: UInt64.self)
                                }
                                return grace_spawn(&request, &pid, &stage)
                            }
                        }
                    }
                }
            }
        }
        reaper.childSpawned()
        if result == 0 { reaper.adopt(pid) }
        guard result == 0 else {
            let name = Int(stage) < stages.count ? stages[Int(stage)] : "spawn"
            throw SpawnError(executable: spec.executable, stage: name, errno: result)
        }
        return pid
    }

    private static func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let s else { return body(nil) }
        return s.withCString { body($0) }
    }

    /// Signals a whole process group; false when it no longer exists.
    @discardableResult
    static func signalGroup(_ pgid: Int32, _ signal: Int32) -> Bool {
        grace_kill_group(pgid, signal) == 0
    }
}
