import Fleet
import Foundation
import TestSupport
import Testing

@Suite("LocalLease: one host's lease on a lock file", .timeLimit(.minutes(2)))
struct LocalLeaseTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "grace-lease-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    var path: String { directory + "/fleet.lock" }

    static func claim(_ name: String) -> LeaseClaim {
        LeaseClaim(instance: name, pid: getpid(), host: "h", stateDirectory: "/tmp/\(name)", api: "127.0.0.1:1")
    }

    @Test("one holder at a time; the other sees it and its token; a new holding has a larger token")
    func exclusive() async throws {
        let a = try LocalLease(path: path)
        let b = try LocalLease(path: path)
        let first = try #require(try await a.acquire(Self.claim("a")))
        #expect(first == 1)
        #expect(try await a.acquire(Self.claim("a")) == first, "acquiring again while holding keeps the token")
        #expect(try await b.acquire(Self.claim("b")) == nil)
        let seen = try #require(try await b.holder())
        #expect(seen.claim.instance == "a")
        #expect(seen.token == first)
        #expect(try await a.renew())
        try await a.release()
        #expect(try await b.holder() == nil)
        let second = try #require(try await b.acquire(Self.claim("b")))
        #expect(second > first)
        #expect(try await a.renew() == false, "a released lease is not renewed")
        await a.close()
        await b.close()
    }

    @Test("the lock goes the instant its holder's process dies: waitForRelease returns and the lease is free")
    func holderDies() async throws {
        let b = try LocalLease(path: path)
        // util-linux's flock(1) takes the same flock(2) lock a Grace would, in another process.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        // --no-fork: flock(1) execs the command itself, so killing that one process drops the lock.
        holder.arguments = ["--exclusive", "--no-fork", path, "sleep", "600"]
        try holder.run()
        let held = try await require("flock(1) to take the lock") {
            while true {
                if (try? await b.acquire(Self.claim("b"))) == nil { return true }
                try? await b.release()
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        #expect(held)
        kill(holder.processIdentifier, SIGKILL)
        // Not bounded by a TTL: the wait ends as soon as the kernel drops the dead holder's lock.
        await b.waitForRelease(timeout: .seconds(60))
        #expect(try await b.acquire(Self.claim("b")) != nil)
        holder.waitUntilExit()
        await b.close()
    }

    @Test("members are present while they hold their membership; a closed one is gone")
    func members() async throws {
        let a = try LocalLease(path: path)
        let b = try LocalLease(path: path)
        try await a.join(Self.claim("a"))
        try await b.join(Self.claim("b"))
        #expect(Set(try await a.members().map(\.instance)) == ["a", "b"])
        let twin = try LocalLease(path: path)
        await #expect(throws: LeaseBackendError.self) { try await twin.join(Self.claim("a")) }
        await b.close()
        #expect(try await a.members().map(\.instance) == ["a"])
        await a.close()
        await twin.close()
    }

    @Test("notices: stored, read by another instance, removed")
    func notices() async throws {
        let a = try LocalLease(path: path)
        let b = try LocalLease(path: path)
        try await a.putNotice("quarantine/x", Data("until".utf8))
        #expect(try await b.notice("quarantine/x") == Data("until".utf8))
        try await b.removeNotice("quarantine/x")
        #expect(try await a.notice("quarantine/x") == nil)
        await a.close()
        await b.close()
    }
}
