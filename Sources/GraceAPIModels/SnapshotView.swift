import Foundation

/// A snapshot of a kernel's data as `GET /v1/snapshots` shows it.
public struct SnapshotView: Codable, Sendable, Equatable {
    public var id: String
    public var kernel: String
    public var createdAt: Date
    /// Taken while the kernel was healthy: a restore target.
    public var good: Bool
    public var files: Int
    public var bytes: Int64

    public init(id: String, kernel: String, createdAt: Date, good: Bool, files: Int, bytes: Int64) {
        self.id = id
        self.kernel = kernel
        self.createdAt = createdAt
        self.good = good
        self.files = files
        self.bytes = bytes
    }

    enum CodingKeys: String, CodingKey {
        case id, kernel, good, files, bytes
        case createdAt = "created_at"
    }
}

/// `GET /v1/snapshots`: newest first.
public struct SnapshotsResponse: Codable, Sendable, Equatable {
    public var snapshots: [SnapshotView]

    public init(snapshots: [SnapshotView]) {
        self.snapshots = snapshots
    }
}

/// `POST /v1/snapshots`: the kernel to snapshot.
public struct SnapshotRequest: Codable, Sendable, Equatable {
    public var kernel: String

    public init(kernel: String) {
        self.kernel = kernel
    }
}
