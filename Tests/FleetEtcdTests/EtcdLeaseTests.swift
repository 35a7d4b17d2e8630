import Fleet
import Foundation
import TestSupport
import Testing

@testable import FleetEtcd

// Against a real etcd 3.4 on loopback (EtcdServer), each test on keys of its own so that they run side by side.
// Leases of 2 s, etcd's least; the tests wait on events (a key deleted, a wait returned) with generous bounds.

@Suite("etcd lease backend", .etcd, .timeLimit(.minutes(2)))
struct EtcdLeaseTests {
    let etcd: EtcdServer
    /// The lease's key, fresh for each test.
    let key = "/grace-test/\(UUID().uuidString)/lease"

    init() throws {
        etcd = try SuiteEtcd.current()
    }

    /// A lease on the suite's etcd. The request timeout is generous, and so is the TTL where expiry is not what a
    /// test is about: the whole test suite runs at once on two shared cores, and a renewal must not miss its TTL
    /// because the machine is busy.
    func lease(
        endpoints: [String]? = nil, requestTimeout: Duration = .seconds(5), ttl: Duration = .seconds(10)
    ) -> EtcdLease {
        EtcdLease(endpoints: endpoints ?? [etcd.endpoint], key: key, ttl: ttl, requestTimeout: requestTimeout)
    }

    static func claim(_ number: Int) -> LeaseClaim {
        LeaseClaim(
            instance: "grace-\(number)", pid: Int32(1000 + number), host: "host-\(number)",
            stateDirectory: "/var/lib/grace-\(number)", api: "127.0.0.1:\(9000 + number)")
    }

    @Test("one instance takes the lease; another is refused and sees the holder's claim and token")
    func exclusive() async throws {
        let first = lease()
        let second = lease()
        let token = try #require(try await first.acquire(Self.claim(1)))
        #expect(token > 0)
        #expect(try await second.acquire(Self.claim(2)) == nil)
        let holder = try #require(try await second.holder())
        #expect(holder.claim == Self.claim(1))
        #expect(holder.token == token)
        #expect(holder.renewedAt == nil)
        // Taking it again while holding it gives the same token.
        #expect(try await first.acquire(Self.claim(1)) == token)
        await first.close()
        await second.close()
    }

    @Test("renewing keeps the lease past twice its TTL")
    func renewal() async throws {
        let first = lease(ttl: .seconds(3))
        let second = lease(ttl: .seconds(3))  // renewed every 500 ms, past twice its TTL
        let token = try #require(try await first.acquire(Self.claim(1)))
        for _ in 0..<13 {
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await first.renew())
        }
        #expect(try await second.acquire(Self.claim(2)) == nil)
        #expect(try await second.holder()?.token == token)
        await first.close()
        await second.close()
    }

    @Test("a holder that stops renewing loses the key; the waiting standby wakes and takes it with a larger token")
    func expiry() async throws {
        let first = lease(ttl: .seconds(2))
        let second = lease(ttl: .seconds(2))
        let token = try #require(try await first.acquire(Self.claim(1)))
        try await require("the unrenewed key to expire", within: .seconds(60)) {
            while (try? await second.holder()) != nil {
                await second.waitForRelease(timeout: .seconds(10))
            }
        }
        let next = try #require(try await second.acquire(Self.claim(2)))
        #expect(next > token)
        #expect(try await first.renew() == false)
        #expect(try await second.holder()?.claim == Self.claim(2))
        await first.close()
        await second.close()
    }

    @Test("release frees the key at once and wakes a waiter; the next holder's token is larger")
    func release() async throws {
        let first = lease()
        let second = lease()
        let token = try #require(try await first.acquire(Self.claim(1)))
        let waiter = Task { await second.waitForRelease(timeout: .seconds(90)) }
        try await first.release()
        try await waiter.value("the standby's wait to end on the release", within: .seconds(45))
        #expect(try await second.holder() == nil)
        let next = try #require(try await second.acquire(Self.claim(2)))
        #expect(next > token)
        #expect(try await first.renew() == false)
        try await first.release()  // none held: nothing
        await first.close()
        await second.close()
    }

    @Test("waiting for a held lease returns after the timeout; for a free one at once")
    func waitBounded() async throws {
        let first = lease()
        let second = lease()
        try await require("a wait on a free key", within: .seconds(30)) {
            await second.waitForRelease(timeout: .seconds(90))
        }
        _ = try #require(try await first.acquire(Self.claim(1)))
        try await require("a 300 ms wait on a held key", within: .seconds(30)) {
            await second.waitForRelease(timeout: .milliseconds(300))
        }
        #expect(try await second.holder()?.claim == Self.claim(1))
        await first.close()
        await second.close()
    }

    @Test("renewing a lease revoked behind the holder's back says it is lost")
    func revokedElsewhere() async throws {
        let first = lease()
        _ = try #require(try await first.acquire(Self.claim(1)))
        let client = EtcdClient(endpoints: [etcd.endpoint], timeout: .seconds(5), http: .shared)
        let kv = try #require(try await client.get(Data(key.utf8)).kv)
        let leaseID = try #require(kv.lease?.value)
        #expect(try await client.revoke(leaseID))
        #expect(try await first.renew() == false)
        #expect(try await first.holder() == nil)
        // Revoking it again: etcd knows it no more.
        #expect(try await client.revoke(leaseID) == false)
        await first.close()
    }

    @Test("members are listed while they are present; a closed member is gone at once")
    func members() async throws {
        let first = lease()
        let second = lease()
        try await first.join(Self.claim(1))
        try await second.join(Self.claim(2))
        #expect(Set(try await first.members()) == [Self.claim(1), Self.claim(2)])
        await second.close()
        #expect(try await first.members() == [Self.claim(1)])
        await first.close()
        #expect(try await lease().members() == [])
    }

    @Test("a member stays present past its lease's TTL without any call (renewed in the background)")
    func membershipKeptAlive() async throws {
        let member = lease(ttl: .seconds(3))
        let observer = lease(ttl: .seconds(3))
        try await member.join(Self.claim(1))
        try await Task.sleep(for: .milliseconds(6500))
        #expect(try await observer.members() == [Self.claim(1)])
        await member.close()
        #expect(try await observer.members() == [])
    }

    @Test("notices round-trip: put, read by another instance, removed")
    func notices() async throws {
        let first = lease()
        let second = lease()
        let value = Data(#"{"quarantine":"grace-2"}"#.utf8)
        #expect(try await second.notice("quarantine/grace-2") == nil)
        try await first.putNotice("quarantine/grace-2", value)
        #expect(try await second.notice("quarantine/grace-2") == value)
        try await second.removeNotice("quarantine/grace-2")
        #expect(try await first.notice("quarantine/grace-2") == nil)
        try await first.removeNotice("quarantine/grace-2")  // absent: nothing
        await first.close()
        await second.close()
    }

    @Test("an endpoint that refuses connections is skipped for the next")
    func failover() async throws {
        // Port 1 (tcpmux): nothing listens there.
        let first = lease(endpoints: ["http://127.0.0.1:1", etcd.endpoint])
        let token = try #require(try await first.acquire(Self.claim(1)))
        #expect(try await first.renew())
        #expect(try await lease().holder()?.token == token)
        await first.close()
    }

    @Test("an etcd that stops answering makes renew and acquire throw after the request timeout, not hang")
    func unreachable() async throws {
        let server = try await EtcdServer.start()
        let endpoints = [server.endpoint]
        let first = lease(endpoints: endpoints, requestTimeout: .milliseconds(500))
        let second = lease(endpoints: endpoints, requestTimeout: .milliseconds(500))
        _ = try #require(try await first.acquire(Self.claim(1)))
        server.pause()  // connections are still accepted (by the kernel); nothing answers
        let renewal = try await require("renew against a stopped etcd", within: .seconds(30)) {
            await outcome { try await first.renew() }
        }
        expectBackendError(renewal)
        let acquisition = try await require("acquire against a stopped etcd", within: .seconds(30)) {
            await outcome { try await second.acquire(Self.claim(2)) }
        }
        expectBackendError(acquisition)
        try await require("a wait against a stopped etcd", within: .seconds(30)) {
            await second.waitForRelease(timeout: .milliseconds(800))
        }
        server.resume()
        await server.stop()
        let refused = try await require("renew against an etcd that is gone", within: .seconds(30)) {
            await outcome { try await first.renew() }
        }
        expectBackendError(refused)
        await first.close()
        await second.close()
    }
}

@Suite("etcd client", .etcd, .timeLimit(.minutes(2)))
struct EtcdClientTests {
    @Test("a watch ends on the key's deletion, also one that began after it")
    func watchSeesDeletion() async throws {
        let etcd = try SuiteEtcd.current()
        let client = EtcdClient(endpoints: [etcd.endpoint], timeout: .seconds(5), http: .shared)
        let key = Data("/grace-test/\(UUID().uuidString)/watched".utf8)
        try await client.put(key, Data("x".utf8))
        let revision = try await client.get(key).revision
        let watch = Task { try await client.watchUntilDeleted(key, after: revision) }
        try await client.delete(key)
        let ended = try await require("the watch to see the deletion", within: .seconds(30)) {
            await outcome { try await watch.value }
        }
        #expect(throws: Never.self) { try ended.get() }
        // Watching from before the deletion, after it happened.
        try await require("a late watch to see the deletion", within: .seconds(30)) {
            await outcome { try await client.watchUntilDeleted(key, after: revision) }
        }.get()
    }

    @Test("a prefix's range ends after its last byte below 0xff")
    func prefixRangeEnd() {
        #expect(EtcdClient.rangeEnd(ofPrefix: Data("a/".utf8)) == Data("a0".utf8))
        #expect(EtcdClient.rangeEnd(ofPrefix: Data([0x61, 0xff])) == Data([0x62]))
        #expect(EtcdClient.rangeEnd(ofPrefix: Data([0xff, 0xff])) == Data([0]))
    }
}

/// The value or error of `body`.
func outcome<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

func expectBackendError<T>(_ result: Result<T, any Error>, sourceLocation: SourceLocation = #_sourceLocation) {
    switch result {
    case .success(let value):
        Issue.record("expected a LeaseBackendError, got \(value)", sourceLocation: sourceLocation)
    case .failure(let error):
        #expect(error is LeaseBackendError, "\(error)", sourceLocation: sourceLocation)
        #expect("\(error)".contains("etcd"), "\(error)", sourceLocation: sourceLocation)
    }
}
