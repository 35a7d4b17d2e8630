import CGraceSystem
import Foundation
import Interpreter
import Testing

@Suite("Spawning processes", .timeLimit(.minutes(5)))
struct SpawnTests {
    @Test("grace_spawn starts a program in its own process group and reports exec failure as an error")
    func spawn() throws {
        var pid: pid_t = 0
        var stage: Int32 = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [nil]
        defer { argv.forEach { free($0) } }
        var request = grace_spawn_request()
        let result = "/bin/true".withCString { path in
            argv.withUnsafeBufferPointer { a in
                envp.withUnsafeBufferPointer { e in
                    request.path = path
                    request.argv = UnsafePointer(a.baseAddress)
                    request.envp = UnsafePointer(e.baseAddress)
                    request.stdin_fd = -1
                    request.stdout_fd = -1
                    request.stderr_fd = -1
                    request.uid = -1
                    request.gid = -1
                    request.new_process_group = 1
                    return grace_spawn(&request, &pid, &stage)
                }
            }
        }
        #expect(result == 0)
        #expect(pid > 0)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        let missing = "/nonexistent/prog".withCString { path in
            argv.withUnsafeBufferPointer { a in
                envp.withUnsafeBufferPointer { e in
                    request.path = path
                    request.argv = UnsafePointer(a.baseAddress)
                    request.envp = UnsafePointer(e.baseAddress)
                    return grace_spawn(&request, &pid, &stage)
                }
            }
        }
        #expect(missing == ENOENT)
        #expect(stage == Int32(GRACE_SPAWN_EXEC.rawValue))
    }
}
