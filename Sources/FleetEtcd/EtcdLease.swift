import Fleet
import Foundation

/// Placeholder until the etcd backend lands (being written on branch `etcd`).
public actor EtcdLease: LeaseBackend {
    public init(endpoints: [String], key: String, ttl: Duration) {}
    public func acquire(_ claim: LeaseClaim) async throws -> UInt64? { throw LeaseBackendError("etcd: not yet") }
    public func renew() async throws -> Bool { false }
    public func release() async throws {}
    public func holder() async throws -> LeaseHolder? { throw LeaseBackendError("etcd: not yet") }
    public func waitForRelease(timeout: Duration) async { try? await Task.sleep(for: timeout) }
    public func join(_ claim: LeaseClaim) async throws { throw LeaseBackendError("etcd: not yet") }
    public func members() async throws -> [LeaseClaim] { [] }
    public func putNotice(_ name: String, _ value: Data) async throws {}
    public func notice(_ name: String) async throws -> Data? { nil }
    public func removeNotice(_ name: String) async throws {}
    public func close() async {}
}
