import Foundation
import Testing

@testable import Runtime

/// A released state directory is free at once. (A second Grace refused while the first runs is
/// `RunCommandTests`: within one process the lock is adopted, as a re-executed image does.)
@Suite("State directory lock")
struct StateDirectoryLockTests {
    @Test("a released lock is free at once, though a copy of its descriptor is still open")
    func releasedDespiteCopy() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("grace-lock-\(UUID())")
        defer { try? FileManager.default.removeItem(at: state) }
        var first: StateDirectoryLock? = try StateDirectoryLock(stateDirectory: state)
        // A child forked elsewhere in the process (a kernel's spawn, a probe's) holds a copy of the descriptor until
        // its exec closes it; releasing must not wait for that copy.
        let copy = first.map { dup($0.descriptor) } ?? -1
        #expect(copy >= 0)
        defer { close(copy) }
        first = nil
        // Another process asks, since within this one a held lock would be adopted rather than refused.
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        probe.arguments = ["--nonblock", "--exclusive", StateDirectoryLock.path(in: state), "true"]
        try probe.run()
        probe.waitUntilExit()
        #expect(probe.terminationStatus == 0, "the lock is still held by the copy of its descriptor")
    }
}
