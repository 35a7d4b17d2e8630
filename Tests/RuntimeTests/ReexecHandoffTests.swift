import Foundation
import Testing

@testable import Runtime

@Suite("reexec handoff and limit")
struct ReexecHandoffTests {
    static let handoff = ReexecHandoff(
        generation: 2, reason: "grace reexec", executable: "/usr/bin/grace", pid: 4242, lockFD: 7,
        requestedAt: Date(timeIntervalSince1970: 1_790_000_000.125),
        history: [Date(timeIntervalSince1970: 1_789_999_900), Date(timeIntervalSince1970: 1_790_000_000.125)],
        kernels: [
            ReexecHandoff.Kernel(
                name: "api", pid: 4300, startTicks: 123_456, stdoutFD: 11, stderrFD: 12, ready: true,
                startedAt: Date(timeIntervalSince1970: 1_789_990_000.5), restarts: 3, requestedRestarts: 1,
                paused: false, cgroup: "/sys/fs/cgroup/grace/api", notifySocket: "/var/grace/notify/kernels.sock"),
            ReexecHandoff.Kernel(
                name: "worker", pid: 4301, startTicks: nil, stdoutFD: 13, stderrFD: 14, ready: false,
                startedAt: Date(timeIntervalSince1970: 1_789_999_999), restarts: 0),
        ])

    @Test("a handoff survives the file: every kernel, its descriptors, times and the history")
    func roundTrip() throws {
        let data = try Self.handoff.encoded()
        let decoded = try ReexecHandoff.decode(data, path: "reexec.json")
        #expect(decoded == Self.handoff)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"stdoutFD\" : 11"))
        #expect(text.contains("\"generation\" : 2"))
    }

    @Test("a file written to disk is read back; a missing one is an error, not a crash")
    func file() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reexec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = ReexecHandoff.path(in: directory)
        #expect(path.hasSuffix("/reexec.json"))
        try Self.handoff.write(to: path)
        #expect(try ReexecHandoff.read(path: path) == Self.handoff)
        #expect(throws: ReexecError.self) { try ReexecHandoff.read(path: path + ".missing") }
    }

    @Test("another version or malformed JSON is refused")
    func refused() throws {
        var other = Self.handoff
        other.version = ReexecHandoff.currentVersion + 1
        #expect(throws: ReexecError.self) { try ReexecHandoff.decode(try other.encoded(), path: "x") }
        #expect(throws: ReexecError.self) { try ReexecHandoff.decode(Data("{\"generation\": 1".utf8), path: "x") }
    }

    @Test("at most 3 reexecs within 10 minutes; older ones do not count")
    func limit() {
        let limit = ReexecLimit.standard
        let now = Date(timeIntervalSince1970: 10_000)
        #expect(limit.allows(after: [], now: now))
        let two = [now.addingTimeInterval(-300), now.addingTimeInterval(-60)]
        #expect(limit.allows(after: two, now: now))
        let three = two + [now.addingTimeInterval(-1)]
        #expect(!limit.allows(after: three, now: now))
        #expect(limit.recent(three, now: now.addingTimeInterval(301)).count == 2)
        #expect(limit.allows(after: three, now: now.addingTimeInterval(301)))
        #expect(
            ReexecError.limitReached(count: 3, within: limit.within).description.contains("escalate to the operator"))
    }

    @Test("a process's parent and start time are read past a command name with spaces and parentheses")
    func identity() {
        let line = "4300 (my (odd) name) S 4242 4300 4300 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 10"
        #expect(ProcessIdentity.parse(line) == ProcessIdentity(parent: 4242, startTicks: 123_456))
        #expect(ProcessIdentity.parse("garbage") == nil)
        #expect(ProcessIdentity.of(getpid())?.parent == getppid())
    }
}
