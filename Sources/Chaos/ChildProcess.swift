import CGraceSystem
import Foundation

/// Starts the processes a drill runs (stress-ng, nft, mount, a port holder, a probe's command, a Grace instance)
/// through `grace_spawn`, as the supervisor starts kernels.
///
/// Not Foundation's `Process`: a child it starts from a Swift concurrency thread inherits that thread's signal
/// mask, in which SIGTERM, SIGALRM, SIGHUP and most others are blocked, and the runner's ignored SIGINT and SIGTERM.
/// stress-ng's `--timeout` (an alarm) then never ended it: Kong's "host saturated for 60 s" lasted until the
/// rollback, minutes later. `grace_spawn` resets the mask and every handler, and closes inherited descriptors.
public enum ChildProcess {
    /// Why a child could not be started.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, for people.
        public var description: String
    }

    /// Starts `arguments`, the program found on PATH (through env(1), which execs it: the pid is the program's);
    /// `stdin`, `stdout`, `stderr` are descriptors to give it (-1: /dev/null). Nobody reaps the child: call
    /// `reap` or `wait`.
    public static func spawn(
        _ arguments: [String], directory: URL? = nil, stdin: Int32 = -1, stdout: Int32 = -1, stderr: Int32 = -1,
        newProcessGroup: Bool = false, path: String? = nil
    ) throws -> pid_t {
        guard let name = arguments.first else { throw Failure(description: "no command to run") }
        var environment = ProcessInfo.processInfo.environment
        if let path { environment["PATH"] = path + ":" + (environment["PATH"] ?? "/usr/bin:/bin") }
        let argv = (["env"] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        var stage: Int32 = 0
        let spawned: Int32 = "/usr/bin/env".withCString { executable in
            withOptionalCString(directory?.path) { cwd in
                argv.withUnsafeBufferPointer { a in
                    envp.withUnsafeBufferPointer { e in
                        var request = grace_spawn_request()
                        request.path = executable
                        request.argv = UnsafePointer(a.baseAddress)
                        request.envp = UnsafePointer(e.baseAddress)
                        request.cwd = cwd
                        request.stdin_fd = stdin
                        request.stdout_fd = stdout
                        request.stderr_fd = stderr
                        request.uid = -1
                        request.gid = -1
                        request.new_process_group = newProcessGroup ? 1 : 0
                        return grace_spawn(&request, &pid, &stage)
                    }
                }
            }
        }
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(name): \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    /// Waits for `pid` to end and returns its status as a shell reports it: the exit code, or 128 + the signal.
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return 127 }
        }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Reaps `pid` when it ends, on a thread of its own, so that a process left to run (stress-ng, a port holder)
    /// does not linger as a zombie of the runner once it exits or a rollback kills it.
    public static func reap(_ pid: pid_t) {
        Thread.detachNewThread { _ = wait(pid) }
    }

    /// A file opened for the child's output (created, or appended to), or -1 (/dev/null) when it cannot be.
    public static func openLog(_ url: URL?, append: Bool = false) -> Int32 {
        guard let url else { return -1 }
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        return open(url.path, flags, 0o644)
    }

    private static func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let string else { return body(nil) }
        return string.withCString { body($0) }
    }
}
