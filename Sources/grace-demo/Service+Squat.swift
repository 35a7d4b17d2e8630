import Foundation
import Glibc

// The `squat` fault: another process takes this instance's port, so that the restart that follows fails with
// EADDRINUSE, as when a stray process (a debug server, an old instance nobody stopped) holds a service's port.

extension Service {
    /// Once the answer is out: closes the listener, starts the squatter (`grace-demo --squat PORT`) in a session of
    /// its own, with none of Grace's environment (Grace must not take it for one of its kernels) and its output to
    /// /dev/null, waits until it listens on the port (at most 5 s), and exits 1. The restart that follows meets
    /// EADDRINUSE, however quick it is.
    func squat(seconds: Double, origin: String) -> (message: String, then: @Sendable () -> Void) {
        let port = options.port
        let message = "handing port \(port) to a squatter for \(describe(seconds)), then exiting 1"
        log.fault.warning("fault injected: \(message) (\(origin))")
        return (
            message,
            { [self] in
                state.withLock { state in
                    state.stopping = true  // the accept loop ends quietly
                    Glibc.shutdown(state.listener, Int32(SHUT_RDWR))
                    close(state.listener)
                }
                guard let pid = startSquatter(seconds: seconds) else {
                    log.main.critical("exiting 1: the squatter could not start: \(String(cString: strerror(errno)))")
                    exit(1)
                }
                let deadline = monotonic() + 5
                while !Self.listening(port), monotonic() < deadline { usleep(5_000) }
                log.main.critical("exiting 1: port \(port) is held by squatter pid \(pid) (squat fault)")
                exit(1)
            }
        )
    }

    /// posix_spawn of `grace-demo --squat PORT` in a new session without Grace's environment; its pid, or nil.
    private func startSquatter(seconds: Double) -> pid_t? {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "grace-demo"
        let arguments = [
            executable, "--squat", String(options.port), "--squat-seconds", String(format: "%.3f", seconds),
        ]
        let environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("GRACE_") && key != "NOTIFY_SOCKET" && key != "WATCHDOG_USEC" && key != "WATCHDOG_PID"
        }.map { "\($0.key)=\($0.value)" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Self.spawnNewSession)
        return Subprocess.spawn(arguments, actions: &actions, attributes: &attributes, environment: environment)
    }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    static func listening(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// POSIX_SPAWN_SETSID (glibc 2.26 and later): the child calls setsid(), so that stopping the kernel's process
    /// group leaves it alone. Swift does not see the constant, which glibc declares only for _GNU_SOURCE.
    static let spawnNewSession: Int16 = 0x80

    /// The squatter's whole life: bind 127.0.0.1:`port` as soon as it is free (for up to 30 s), listen, hold it for
    /// `seconds` without accepting anything, exit 0. SIGTERM ends it.
    static func squat(port: UInt16, seconds: Double) -> Never {
        let deadline = monotonic() + 30
        while true {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var yes: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if fd >= 0, bound == 0, Glibc.listen(fd, 1) == 0 { break }
            close(fd)
            if monotonic() > deadline { exit(1) }
            usleep(5_000)
        }
        Thread.sleep(forTimeInterval: seconds)
        exit(0)
    }
}
