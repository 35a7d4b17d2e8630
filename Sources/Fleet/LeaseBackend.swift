import Foundation

/// Who claims a fleet's lease, or announces itself as a member: written by the claimant, read by every other
/// instance (the local backend stores it as JSON in the lock file, etcd as the key's value).
public struct LeaseClaim: Sendable, Codable, Hashable {
    /// The instance's name in the fleet document.
    public var instance: String
    /// The claimant's process: on one host a standby fences a hung holder through it.
    public var pid: Int32
    /// The host it runs on (`gethostname`); fencing by pid is only done on the same host.
    public var host: String
    /// Its state directory: on one host, where its kernels' processes are found when it must be fenced.
    public var stateDirectory: String
    /// Its API address (`host:port`).
    public var api: String

    /// A claim for `instance`.
    public init(instance: String, pid: Int32, host: String, stateDirectory: String, api: String) {
        self.instance = instance
        self.pid = pid
        self.host = host
        self.stateDirectory = stateDirectory
        self.api = api
    }
}

/// The lease as one instance sees it: who holds it and with which fencing token.
public struct LeaseHolder: Sendable, Hashable {
    /// The holder's claim.
    public var claim: LeaseClaim
    /// The fencing token of this holding: grows with every new holding (the local lock's generation, etcd's
    /// revision of the key's creation). A write carrying an older token comes from a deposed primary.
    public var token: UInt64
    /// When the holder last renewed, where the backend can tell (local: the time in the lock file); nil when the
    /// backend expires a holder itself (etcd: a lapsed lease deletes the key).
    public var renewedAt: Date?

    /// A holder as read from the backend.
    public init(claim: LeaseClaim, token: UInt64, renewedAt: Date? = nil) {
        self.claim = claim
        self.token = token
        self.renewedAt = renewedAt
    }
}

/// What a lease backend failed at: the backend is unreachable or answered something it should not have. A
/// primary that cannot renew for this reason demotes itself once its safety margin is gone.
public struct LeaseBackendError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for the journal and the log.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}

/// Where a fleet agrees on one primary: a lease that one instance holds at a time, renewed within `ttl`, plus the
/// members' presence and the fleet's notices (a quarantine waiting for an instance that is down).
///
/// Implementations: `LocalLease` (a lock file on one host) and `EtcdLease` (etcd v3's JSON gateway, module
/// FleetEtcd). Each value serves one instance; its methods are called from one task at a time.
public protocol LeaseBackend: Sendable {
    /// Whether a held lease ends by itself when it is not renewed within its TTL (etcd), so that its holder must
    /// fence itself before then; false for a lease held until its holder dies or gives it up (the local lock; a
    /// frozen holder is fenced by its peers instead).
    var lapses: Bool { get }
    /// Tries once to take the lease for `claim`. Returns the fencing token when it was taken, nil when another
    /// instance holds it. Never waits for the holder.
    func acquire(_ claim: LeaseClaim) async throws -> UInt64?
    /// Renews the lease this value holds. False when it is no longer held (it expired or was taken).
    func renew() async throws -> Bool
    /// Gives up the lease this value holds (a switchover, a shutdown, a quarantine); nothing when none is held.
    func release() async throws
    /// Who holds the lease now; nil when nobody does.
    func holder() async throws -> LeaseHolder?
    /// Returns after at most `timeout`, earlier when the lease may have become free (the local lock wakes the
    /// instant its holder dies; etcd watches the key). A standby calls it between attempts.
    func waitForRelease(timeout: Duration) async
    /// Announces `claim` as a present member until this value is released or its process dies.
    func join(_ claim: LeaseClaim) async throws
    /// Every member present now (their `join` still holds), this one included.
    func members() async throws -> [LeaseClaim]
    /// Stores a fleet-wide notice under `name` (for example `quarantine/grace-1`), readable by every instance.
    func putNotice(_ name: String, _ value: Data) async throws
    /// The notice stored under `name`, nil when there is none.
    func notice(_ name: String) async throws -> Data?
    /// Removes the notice under `name`; nothing when there is none.
    func removeNotice(_ name: String) async throws
    /// Gives up the lease and the membership and closes what the backend holds open.
    func close() async
}
