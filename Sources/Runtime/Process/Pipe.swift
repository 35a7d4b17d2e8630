import CGraceSystem
import Glibc

/// A pipe whose ends are closed on exec; the spawner dups the write end onto the child's stdout or stderr.
struct PipeDescriptors {
    let read: Int32
    let write: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard grace_pipe_cloexec(&fds) == 0 else {
            throw SpawnError(executable: "pipe", stage: "pipe2", errno: errno)
        }
        read = fds[0]
        write = fds[1]
    }
}
