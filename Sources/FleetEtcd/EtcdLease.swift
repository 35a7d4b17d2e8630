import AsyncHTTPClient
import Fleet
import Foundation

/// A fleet's lease in etcd v3, through its JSON gateway (etcd 3.4 or later).
///
/// The holder's claim is the value of `key`, attached to an etcd lease of `ttl` (whole seconds, at least 2) that
/// `renew()` keeps alive: when the holder stops renewing, etcd deletes the key itself. Taking the lease is one
/// transaction, "create `key` if it does not exist", so two instances never both succeed; the fencing token is
/// the key's creation revision, which grows with every new holding. Members are keys under `key/members/`, each
/// on a membership lease of its own that this value keeps alive (also in the background, until `close()`);
/// notices are keys under `key/notices/`, on no lease.
public actor EtcdLease: LeaseBackend {
    private let client: EtcdClient
    private let key: String
    /// The TTL asked for every lease, in seconds.
    private let leaseSeconds: Int64
    /// How old the membership's last renewal may be before it is renewed again (a third of its TTL).
    private let membershipPeriod: Duration

    /// The lease this value holds: the etcd lease its key is attached to, and the key's creation revision.
    private var held: (lease: Int64, token: UInt64)?
    private var membership: Membership?
    /// The membership renewal under way, that every other one waits for (the background task and a call may meet).
    private var membershipRenewal: Task<Void, any Error>?
    /// Renews the membership every `membershipPeriod` between calls; cancelled by `close()`.
    private var membershipKeepalive: Task<Void, Never>?

    private struct Membership {
        var claim: LeaseClaim
        var lease: Int64
        var renewedAt: ContinuousClock.Instant
    }

    /// A lease on `key` in the etcd cluster at `endpoints` (base URLs such as `http://127.0.0.1:2379`, tried in
    /// turn), held for `ttl` without renewal (rounded up to whole seconds, at least 2: etcd 3.4's minimum). Each
    /// request to one endpoint may take `requestTimeout`.
    public init(
        endpoints: [String], key: String, ttl: Duration, requestTimeout: Duration = .seconds(1),
        httpClient: HTTPClient = .shared
    ) {
        client = EtcdClient(endpoints: endpoints, timeout: requestTimeout, http: httpClient)
        self.key = key
        let (seconds, attoseconds) = ttl.components
        leaseSeconds = max(2, seconds + (attoseconds > 0 ? 1 : 0))
        membershipPeriod = .seconds(leaseSeconds) / 3
    }

    deinit {
        membershipKeepalive?.cancel()
    }

    private var keyBytes: Data { Data(key.utf8) }
    private var membersPrefix: String { key + "/members/" }

    /// A lease etcd expires after its TTL without keepalives: its holder must fence itself before.
    public nonisolated var lapses: Bool { true }

    /// Takes the lease for `claim` when nobody holds it: the key's creation revision, or nil when another instance
    /// holds it. When this value holds it already, its token.
    public func acquire(_ claim: LeaseClaim) async throws -> UInt64? {
        if let held {
            let (kv, _) = try await client.get(keyBytes)
            if let kv, kv.lease?.value == held.lease { return held.token }
            // Lost meanwhile (its key deleted or taken): the lease, if still alive, holds nothing of use.
            self.held = nil
            _ = try? await client.revoke(held.lease)
        }
        let value = try Self.encode(claim)
        var lease = try await client.grant(ttl: leaseSeconds)
        var answer: TxnResponse?
        for attempt in 1...2 where answer == nil {
            do {
                answer = try await client.txn(
                    compare: [.absent(keyBytes)], success: [.put(keyBytes, value, lease: lease)],
                    failure: [.range(keyBytes)])
            } catch let error as LeaseBackendError where attempt == 1 && error.description.contains("lease not found") {
                // The fresh lease lapsed before the transaction reached etcd (a stalled machine): once more.
                lease = try await client.grant(ttl: leaseSeconds)
            } catch {
                // The transaction may have taken the key though its answer was lost: revoking deletes it then.
                _ = try? await client.revoke(lease)
                throw error
            }
        }
        guard let answer else {
            _ = try? await client.revoke(lease)
            throw LeaseBackendError("etcd: the lease for \(key) lapsed before it could be used, twice")
        }
        guard answer.succeeded == true else {
            _ = try? await client.revoke(lease)
            return nil
        }
        let revision = answer.header.revision.value
        guard revision > 0 else {
            _ = try? await client.revoke(lease)
            throw LeaseBackendError("etcd took \(key) at revision \(revision)")
        }
        let token = UInt64(revision)
        held = (lease, token)
        return token
    }

    /// Keeps the held lease alive once. False when none is held, when etcd says it has ended, or when `key` is no
    /// longer this holding's (deleted and created again); throws when etcd cannot be reached, so that the caller
    /// tells "lost" from "unknown". Also renews the membership.
    public func renew() async throws -> Bool {
        let renewed = try await renewLease()
        try? await renewMembership(olderThan: .zero)
        return renewed
    }

    private func renewLease() async throws -> Bool {
        guard let held else { return false }
        guard try await client.keepAlive(held.lease) > 0 else {
            self.held = nil
            return false
        }
        let (kv, _) = try await client.get(keyBytes)
        guard let kv, kv.lease?.value == held.lease, kv.createRevision?.value == Int64(held.token) else {
            self.held = nil
            _ = try? await client.revoke(held.lease)
            return false
        }
        return true
    }

    /// Revokes the held lease, which deletes `key` at once; nothing when none is held. The membership stays.
    public func release() async throws {
        guard let held else { return }
        self.held = nil
        try await client.revoke(held.lease)
    }

    /// The claim stored in `key` and the key's creation revision; nil when the key is absent.
    public func holder() async throws -> LeaseHolder? {
        guard let kv = try await client.get(keyBytes).kv else { return nil }
        let claim = try Self.decode(kv.value ?? Data(), at: key)
        guard let revision = kv.createRevision?.value, revision > 0 else {
            throw LeaseBackendError("etcd gave \(key) no creation revision")
        }
        return LeaseHolder(claim: claim, token: UInt64(revision))
    }

    /// Returns when `key` is deleted (a watch on it), at once when it is absent, and after `timeout` at the
    /// latest. Where the watch cannot be made, polls the key every 100 ms instead.
    public func waitForRelease(timeout: Duration) async {
        let client = self.client
        let key = keyBytes
        let deadline = ContinuousClock.now + timeout
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(until: deadline) }
            group.addTask { await Self.untilDeleted(key, client) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns when `key` is absent; runs until cancelled otherwise.
    private static func untilDeleted(_ key: Data, _ client: EtcdClient) async {
        do {
            let (kv, revision) = try await client.get(key)
            guard kv != nil else { return }
            try await client.watchUntilDeleted(key, after: revision)
            return
        } catch {
            // etcd unreachable, or the watch ended early: poll.
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
            if let (kv, _) = try? await client.get(key), kv == nil { return }
        }
    }

    /// Puts `claim` under `key/members/<instance>` on a membership lease of its own, and keeps that lease alive
    /// until `close()` (in the background, and in `renew()`, `join()` and `members()`).
    public func join(_ claim: LeaseClaim) async throws {
        try? await membershipRenewal?.value
        let value = try Self.encode(claim)
        if membership?.claim.instance == claim.instance {
            try await renewMembership(olderThan: membershipPeriod)
            if let lease = membership?.lease {
                try await client.put(Data((membersPrefix + claim.instance).utf8), value, lease: lease)
                membership?.claim = claim
                return
            }
        } else if let previous = membership {
            membership = nil
            _ = try? await client.revoke(previous.lease)
        }
        let lease = try await client.grant(ttl: leaseSeconds)
        do {
            try await client.put(Data((membersPrefix + claim.instance).utf8), value, lease: lease)
        } catch {
            _ = try? await client.revoke(lease)
            throw error
        }
        membership = Membership(claim: claim, lease: lease, renewedAt: .now)
        startMembershipKeepalive()
    }

    /// The claims under `key/members/`: every member whose membership lease is alive.
    public func members() async throws -> [LeaseClaim] {
        try? await renewMembership(olderThan: membershipPeriod)
        return try await client.list(prefix: Data(membersPrefix.utf8)).compactMap { kv in
            // A member that wrote something else (another version of Grace) is left out, not fatal to the list.
            try? Self.decode(kv.value ?? Data(), at: membersPrefix)
        }
    }

    /// Puts `value` under `key/notices/<name>`, on no lease: it stays until removed.
    public func putNotice(_ name: String, _ value: Data) async throws {
        try await client.put(noticeKey(name), value)
    }

    /// The value under `key/notices/<name>`, nil when there is none.
    public func notice(_ name: String) async throws -> Data? {
        guard let kv = try await client.get(noticeKey(name)).kv else { return nil }
        return kv.value ?? Data()
    }

    /// Deletes `key/notices/<name>`; nothing when it is absent.
    public func removeNotice(_ name: String) async throws {
        try await client.delete(noticeKey(name))
    }

    /// Revokes the held lease and the membership lease (which deletes their keys), errors ignored, and stops the
    /// membership's renewal.
    public func close() async {
        membershipKeepalive?.cancel()
        membershipKeepalive = nil
        try? await membershipRenewal?.value
        if let held {
            self.held = nil
            _ = try? await client.revoke(held.lease)
        }
        if let membership {
            self.membership = nil
            _ = try? await client.revoke(membership.lease)
        }
    }

    // MARK: Membership

    private func startMembershipKeepalive() {
        guard membershipKeepalive == nil else { return }
        let period = membershipPeriod
        membershipKeepalive = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                guard let self, !Task.isCancelled else { return }
                try? await self.renewMembership(olderThan: period)
            }
        }
    }

    /// Renews the membership lease when its last renewal is at least `age` old; when it has ended (this process
    /// was cut off from etcd longer than its TTL), joins again on a new one. One renewal at a time: a second
    /// caller waits for the one under way.
    private func renewMembership(olderThan age: Duration) async throws {
        if let underway = membershipRenewal {
            try await underway.value
            return
        }
        guard let current = membership, current.renewedAt.duration(to: .now) >= age else { return }
        let renewal = Task { try await self.renewMembershipLease(current) }
        membershipRenewal = renewal
        defer { membershipRenewal = nil }
        try await renewal.value
    }

    private func renewMembershipLease(_ current: Membership) async throws {
        let now = ContinuousClock.now
        if try await client.keepAlive(current.lease) > 0 {
            if membership?.lease == current.lease { membership?.renewedAt = now }
            return
        }
        let lease = try await client.grant(ttl: leaseSeconds)
        do {
            let value = try Self.encode(current.claim)
            try await client.put(Data((membersPrefix + current.claim.instance).utf8), value, lease: lease)
        } catch {
            _ = try? await client.revoke(lease)
            throw error
        }
        guard membership?.lease == current.lease else {
            // Closed or joined anew meanwhile.
            _ = try? await client.revoke(lease)
            return
        }
        membership = Membership(claim: current.claim, lease: lease, renewedAt: now)
    }

    // MARK: Values

    private func noticeKey(_ name: String) -> Data {
        Data((key + "/notices/" + name).utf8)
    }

    private static func encode(_ claim: LeaseClaim) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            return try encoder.encode(claim)
        } catch {
            throw LeaseBackendError("cannot encode the claim of \(claim.instance): \(error)")
        }
    }

    private static func decode(_ value: Data, at key: String) throws -> LeaseClaim {
        do {
            return try JSONDecoder().decode(LeaseClaim.self, from: value)
        } catch {
            let text = String(decoding: value.prefix(200), as: UTF8.self)
            throw LeaseBackendError("the value of \(key) in etcd is not a claim (\(error)): \(text)")
        }
    }
}
