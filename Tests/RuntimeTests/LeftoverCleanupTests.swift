import Foundation
import Logging
import Testing

@testable import Runtime

/// What a new Grace stops after a crash, found by the kernel records the old one wrote: only a process that is still
/// the recorded one, never another that got its pid.
@Suite("Leftover cleanup after a crash")
struct LeftoverCleanupTests {
    @Test("a recorded pid is a leftover only when the process there started when the kernel did")
    func reusedPidIsSpared() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grace-leftover-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StateStore(path: directory.appendingPathComponent("grace.sqlite").path)
        let journal = Journal(store: store, hub: ObservationHub(), logger: Logger(label: "test"))
        // A process that leads its own group (Foundation's `Process` puts each child in one), as a kernel does, and
        // as a process that reused a dead kernel's pid may.
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/bin/sleep")
        other.arguments = ["600"]
        try other.run()
        defer {
            // SIGKILL: the test runner's children may inherit an ignored SIGTERM.
            kill(other.processIdentifier, SIGKILL)
            other.waitUntilExit()
        }
        let pid = other.processIdentifier
        #expect(getpgid(pid) == pid)
        let started = try #require(LeftoverProcess.startTime(of: pid))
        #expect(abs(started.timeIntervalSinceNow) < 60, "\(started)")
        let cleanup = LeftoverCleanup(journal: journal, stateDirectory: directory.path)

        // The kernel the record is about started an hour before this process: its pid was reused.
        try store.save(
            KernelRecord(
                name: "api", state: "running", pid: pid, processGroup: pid, startedAt: started.addingTimeInterval(-3600)
            ))
        #expect(cleanup.find().isEmpty)
        // No start time (a record written before records had one): left to the environment scan.
        try store.save(KernelRecord(name: "api", state: "running", pid: pid, processGroup: pid))
        #expect(cleanup.find().isEmpty)
        // The same process as recorded: a leftover.
        try store.save(KernelRecord(name: "api", state: "running", pid: pid, processGroup: pid, startedAt: started))
        #expect(cleanup.find() == [pid: "api"])
    }
}

@Suite("Fencing a holder's Grace")
struct FenceIdentityTests {
    /// Starts `executable` with `arguments` in a process group of its own, its output to /dev/null (posix_spawn and
    /// waitpid by hand: the test reaps it itself, group and all).
    static func spawn(_ executable: String, _ arguments: [String], stdout: Int32 = -1) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            if fd == 1, stdout >= 0 {
                posix_spawn_file_actions_adddup2(&actions, stdout, 1)
            } else {
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        return pid
    }

    @Test("a pid is the holder's Grace only with a grace executable holding the state directory's lock open")
    func holderIdentity() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grace-fence-\(UUID())")
        let state = directory.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let lock = StateDirectoryLock.path(in: state)
        _ = FileManager.default.createFile(atPath: lock, contents: nil)
        // A shell under a name starting with "grace", as a reused pid of another Grace would look.
        let shell = directory.appendingPathComponent("grace-sh")
        try FileManager.default.copyItem(
            atPath: URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath().path, toPath: shell.path)
        // The holder says "held" once the lock is open; the test reads that line rather than polling /proc.
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        let holder = try Self.spawn(
            shell.path, ["-c", "exec 3<'\(lock)'; echo held; exec >/dev/null; sleep 600"],
            stdout: fds[1])
        close(fds[1])
        var line = [UInt8](repeating: 0, count: 16)
        let count = read(fds[0], &line, line.count)
        close(fds[0])
        #expect(String(decoding: line.prefix(max(0, count)), as: UTF8.self) == "held\n")
        let stranger = try Self.spawn(shell.path, ["-c", "sleep 600; true"])
        defer {
            for pid in [holder, stranger] {
                kill(-pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
        }
        #expect(FleetService.isGrace(holder, stateDirectory: state.path))
        #expect(!FleetService.isGrace(stranger, stateDirectory: state.path))
        #expect(!FleetService.isGrace(getpid(), stateDirectory: state.path), "not a grace executable")
    }
}
