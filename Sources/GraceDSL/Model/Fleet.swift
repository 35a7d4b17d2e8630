/// Instances of Grace that stand in for each other, and how they agree on a primary.
public struct Fleet: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        case primary, hot, warm
    }

    public enum Backend: String, Sendable, Hashable, Codable, CaseIterable {
        case local, etcd
    }

    public enum Promotion: String, Sendable, Hashable, Codable, CaseIterable {
        case auto, manual
    }

    public struct Instance: Sendable, Hashable {
        public var name: Located<String>
        public var role: Located<Role>
        public var api: Located<String>
        public var priority: Located<Int>
        public var span: SourceSpan
    }

    public struct Lease: Sendable, Hashable {
        public var backend: Located<Backend>
        public var ttl: Located<Duration>
        public var renew: Located<Duration>
        public var path: String?
        public var endpoints: [Located<String>] = []
        public var key: String?
    }

    public struct Failover: Sendable, Hashable {
        public var promote: Promotion = .auto
        public var fence = true
        public var quarantine: Duration = .seconds(300)
        /// The playbook a newly promoted instance runs (`playbook:`), with `fleet`, `instance`, `token` and
        /// `previous` as arguments it may declare.
        public var playbook: Located<String>?
    }

    public var header: DocumentHeader
    public var instances: [Instance] = []
    /// The `instances` key, where fleet-wide problems are reported.
    public var instancesSpan: SourceSpan
    public var lease: Lease?
    public var failover = Failover()
    public var kernels: [Located<String>] = []

    public init(header: DocumentHeader, instancesSpan: SourceSpan) {
        self.header = header
        self.instancesSpan = instancesSpan
    }
}
