import Fleet
import Foundation
import Synchronization
import TestSupport
import Testing

/// What a member asked of its Grace, in order.
final class RecordingDelegate: FleetMemberDelegate {
    enum Call: Equatable {
        case standby(demoted: UInt64?), primary(token: UInt64, previous: String?), lost(String, primary: Bool)
        case fence(String), quarantine, rejoined
    }

    let calls = Mutex<[Call]>([])
    /// Called during `becomeStandby`, to see what the lease looks like while the member fences itself.
    let onStandby: @Sendable () async -> Void
    let healPasses: Bool

    init(healPasses: Bool = true, onStandby: @escaping @Sendable () async -> Void = {}) {
        self.healPasses = healPasses
        self.onStandby = onStandby
    }

    var recorded: [Call] { calls.withLock { $0 } }

    func becomeStandby(reason: String, demotedToken: UInt64?, within: Duration?) async {
        if demotedToken != nil { await onStandby() }
        calls.withLock { $0.append(.standby(demoted: demotedToken)) }
    }
    func becomePrimary(token: UInt64, previous: LeaseHolder?) async {
        calls.withLock { $0.append(.primary(token: token, previous: previous?.claim.instance)) }
    }
    func memberLost(_ claim: LeaseClaim, wasPrimary: Bool, token: UInt64) async {
        calls.withLock { $0.append(.lost(claim.instance, primary: wasPrimary)) }
    }
    func fence(_ holder: LeaseHolder) async { calls.withLock { $0.append(.fence(holder.claim.instance)) } }
    func enterQuarantine(until: Date, reason: String) async { calls.withLock { $0.append(.quarantine) } }
    func heal() async -> (passed: Bool, report: String) { (healPasses, healPasses ? "ok" : "journal broken") }
    func rejoined(report: String) async { calls.withLock { $0.append(.rejoined) } }
}

/// A lease whose renewals can be made to fail, as an unreachable etcd would.
actor FlakyLease: LeaseBackend {
    let inner: LocalLease
    var failing = false

    init(_ inner: LocalLease) { self.inner = inner }

    /// As etcd's: it would lapse, so its holder fences itself.
    nonisolated var lapses: Bool { true }

    func fail() { failing = true }

    func acquire(_ claim: LeaseClaim) async throws -> UInt64? { try await inner.acquire(claim) }
    func renew() async throws -> Bool {
        if failing { throw LeaseBackendError("unreachable") }
        return try await inner.renew()
    }
    func release() async throws { try await inner.release() }
    func holder() async throws -> LeaseHolder? { try await inner.holder() }
    func waitForRelease(timeout: Duration) async { await inner.waitForRelease(timeout: timeout) }
    func join(_ claim: LeaseClaim) async throws { try await inner.join(claim) }
    func members() async throws -> [LeaseClaim] { try await inner.members() }
    func putNotice(_ name: String, _ value: Data) async throws { try await inner.putNotice(name, value) }
    func notice(_ name: String) async throws -> Data? { try await inner.notice(name) }
    func removeNotice(_ name: String) async throws { try await inner.removeNotice(name) }
    func close() async { await inner.close() }
}

@Suite("FleetMember: promotion, fencing, loss, switchover and quarantine", .timeLimit(.minutes(2)))
struct FleetMemberTests {
    let path = NSTemporaryDirectory() + "grace-member-\(UUID().uuidString)/fleet.lock"
    static let priorities = ["a": 100, "b": 90, "c": 80]

    func member(
        _ name: String, delegate: RecordingDelegate, backend: (any LeaseBackend)? = nil, ttl: Duration = .seconds(2)
    ) throws -> FleetMember {
        let claim = LeaseClaim(
            instance: name, pid: getpid(), host: "h", stateDirectory: "/tmp/\(name)", api: "127.0.0.1:1")
        let settings = FleetMember.Settings(
            fleet: "f", claim: claim, priority: Self.priorities[name] ?? 0, priorities: Self.priorities, ttl: ttl,
            renew: .milliseconds(100))
        return FleetMember(settings: settings, backend: try backend ?? LocalLease(path: path), delegate: delegate)
    }

    @Test("the first takes the lease, the second stands by; when the primary goes without a word it is reported lost")
    func takeover() async throws {
        let da = RecordingDelegate()
        let db = RecordingDelegate()
        let leaseA = try LocalLease(path: path)
        let a = try member("a", delegate: da, backend: leaseA)
        let b = try member("b", delegate: db)
        await a.step()
        #expect(await a.status.role == .primary)
        await b.step()
        #expect(await b.status.role == .standby)
        #expect(await b.status.holder?.claim.instance == "a")
        // The primary's process dies: its lock and membership go with it (closing the descriptors does the same).
        await leaseA.close()
        await b.step()
        #expect(await b.status.role == .primary)
        #expect(db.recorded == [.standby(demoted: nil), .primary(token: 2, previous: "a"), .lost("a", primary: true)])
    }

    @Test("an orderly shutdown is no loss: the successor promotes without reporting it")
    func orderlyExit() async throws {
        let da = RecordingDelegate()
        let db = RecordingDelegate()
        let a = try member("a", delegate: da)
        let b = try member("b", delegate: db)
        let running = Task { await a.run() }
        try await require("a to lead") {
            while await a.status.role != .primary { try? await Task.sleep(for: .milliseconds(10)) }
            return true
        }
        await b.step()
        running.cancel()
        await running.value
        #expect(da.recorded.last == .standby(demoted: 1), "the primary fenced itself on the way out")
        try await require("b to promote") {
            while await b.status.role != .primary { await b.step() }
            return true
        }
        #expect(!db.recorded.contains { if case .lost = $0 { true } else { false } })
    }

    @Test("a primary that cannot renew fences itself before its lease can lapse, while it still holds it")
    func fencesBeforeLapse() async throws {
        let local = try LocalLease(path: path)
        let flaky = FlakyLease(local)
        let observer = try LocalLease(path: path)
        let heldWhileFencing = Mutex<String?>(nil)
        let da = RecordingDelegate {
            let holder = try? await observer.holder()
            heldWhileFencing.withLock { $0 = holder?.claim.instance ?? "nobody" }
        }
        let a = try member("a", delegate: da, backend: flaky, ttl: .seconds(1))
        await a.step()
        #expect(await a.status.role == .primary)
        await flaky.fail()
        try await require("a to demote") {
            while await a.status.role == .primary {
                await a.step()
                try? await Task.sleep(for: .milliseconds(20))
            }
            return true
        }
        #expect(heldWhileFencing.withLock { $0 } == "a", "fenced while still holding the lease")
        #expect(try await observer.holder() == nil, "then gave it up")
        await observer.close()
    }

    @Test("a holder that stops renewing on this host is fenced by the standby")
    func hungHolderIsFenced() async throws {
        let a = try LocalLease(path: path)
        let claim = LeaseClaim(instance: "a", pid: getpid(), host: "h", stateDirectory: "/tmp/a", api: "x")
        _ = try await a.acquire(claim)
        let db = RecordingDelegate()
        let b = try member("b", delegate: db, ttl: .milliseconds(300))
        await b.step()
        #expect(db.recorded == [.standby(demoted: nil)], "fresh: not fenced")
        try await require("the fence") {
            while !db.recorded.contains(.fence("a")) {
                await b.step()
                try? await Task.sleep(for: .milliseconds(50))
            }
            return true
        }
        // The delegate kills the holder; its lock goes, and the standby takes over.
        await a.close()
        await b.step()
        #expect(await b.status.role == .primary)
        #expect(db.recorded.filter { $0 == .fence("a") }.count == 1, "fenced once per holding")
    }

    @Test("the best present standby wins a free lease; a switchover hands it to the named one")
    func priorityAndSwitchover() async throws {
        let da = RecordingDelegate()
        let db = RecordingDelegate()
        let dc = RecordingDelegate()
        let leaseA = try LocalLease(path: path)
        let a = try member("a", delegate: da, backend: leaseA)
        let b = try member("b", delegate: db)
        let c = try member("c", delegate: dc)
        await a.step()
        let loops = [Task { await b.run() }, Task { await c.run() }]
        defer { loops.forEach { $0.cancel() } }
        try await require("b and c to stand by") {
            while true {
                let (rb, rc) = (await b.status.role, await c.status.role)
                if rb == .standby && rc == .standby { break }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return true
        }
        // The primary dies: both see the lock go at once; c waits one step for b, which outranks it.
        await leaseA.close()
        try await require("a new primary") {
            while true {
                let (rb, rc) = (await b.status.role, await c.status.role)
                if rb == .primary || rc == .primary { break }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return true
        }
        #expect(await b.status.role == .primary, "b outranks c")
        let chosen = try await b.switchover(to: "c")
        #expect(chosen == "c")
        #expect(db.recorded.last == .standby(demoted: 2))
        try await require("c to take over") {
            while await c.status.role != .primary { try? await Task.sleep(for: .milliseconds(10)) }
            return true
        }
        #expect(!dc.recorded.contains(.lost("b", primary: true)), "b handed over: it is no loss")
        await #expect(throws: FleetMember.Refusal.self) { _ = try await b.switchover(to: nil) }
    }

    @Test("a quarantined instance stops, heals, and rejoins as a standby once its checks pass and its time is over")
    func quarantine() async throws {
        let da = RecordingDelegate()
        let db = RecordingDelegate(healPasses: false)
        let a = try member("a", delegate: da)
        let b = try member("b", delegate: db)
        await a.step()
        await b.step()
        // The primary quarantines b (a playbook on a); b acts on the notice at its next look.
        try await a.quarantine("b", for: .milliseconds(200), reason: "test")
        await b.step()
        #expect(await b.status.role == .quarantined)
        try await Task.sleep(for: .milliseconds(250))
        await b.step()
        #expect(await b.status.role == .quarantined, "checks failed: it stays out")
        #expect(await b.status.healReport == "journal broken")
        // A quarantine of the primary itself gives the lease up first.
        try await a.quarantine("a", for: .seconds(60), reason: "test")
        #expect(await a.status.role == .quarantined)
        #expect(da.recorded.contains(.quarantine))
        try await a.rejoin("a")
        await a.step()
        #expect(await a.status.role == .standby)
        #expect(da.recorded.suffix(2) == [.rejoined, .standby(demoted: nil)])
    }
}
