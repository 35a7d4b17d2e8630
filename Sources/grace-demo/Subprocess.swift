import Foundation
import Glibc

/// Child processes without Foundation's `Process` (which reaps through a SIGCHLD handler of its own, and the
/// `zombies` fault needs children that nobody reaps): posix_spawn, and waitpid for exactly that child.
enum Subprocess {
    /// Runs `arguments` (looked up in PATH), waits for it and returns its exit status (-1 when it could not start or
    /// was killed) and what it wrote to stdout and stderr.
    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        var pipe: [Int32] = [-1, -1]
        guard Glibc.pipe(&pipe) == 0 else { return (-1, String(cString: strerror(errno))) }
        // Close-on-exec, so that no other child inherits them; the dup2 below gives this child its own copy.
        pipe.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
        guard let pid = spawn(arguments, actions: &actions, attributes: nil, environment: nil) else {
            let reason = String(cString: strerror(errno))
            close(pipe[0])
            close(pipe[1])
            return (-1, "cannot run \(arguments.first ?? ""): \(reason)")
        }
        close(pipe[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(pipe[0], &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            output += chunk[0..<count]
        }
        close(pipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : -1, String(decoding: output, as: UTF8.self))
    }

    /// posix_spawnp of `arguments`; nil (errno set) when it failed. `environment` nil: this process's.
    static func spawn(
        _ arguments: [String], actions: inout posix_spawn_file_actions_t, attributes: UnsafePointer<posix_spawnattr_t>?,
        environment: [String]?
    ) -> pid_t? {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup($0) } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result: Int32 =
            if var envp {
                posix_spawnp(&pid, arguments[0], &actions, attributes, &argv, &envp)
            } else {
                posix_spawnp(&pid, arguments[0], &actions, attributes, &argv, environ)
            }
        guard result == 0 else {
            errno = result
            return nil
        }
        return pid
    }
}
