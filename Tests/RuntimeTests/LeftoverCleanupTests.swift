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
