import Foundation

/// A snapshot of a kernel's data as `GET /v1/snapshots` shows it.
public struct SnapshotView: Codable, Sendable, Equatable {
    /// The snapshot's id: its UTC time and a hash prefix (`20261126T101512Z-0123abcd`); restores also take a unique
    /// prefix.
    public var id: String
    /// The kernel whose `data` paths it holds.
    public var kernel: String
    /// When it was taken.
    public var createdAt: Date
    /// Taken while the kernel was healthy: a restore target.
    public var good: Bool
    /// Files it holds.
    public var files: Int
    /// Their total size in bytes (before the store's deduplication).
    public var bytes: Int64

    /// Makes a view from its parts; the server fills it from a snapshot's manifest.
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
    /// Snapshots of every kernel (or of `kernel=`), newest first.
    public var snapshots: [SnapshotView]

    /// Wraps the views.
    public init(snapshots: [SnapshotView]) {
        self.snapshots = snapshots
    }
}

/// `POST /v1/snapshots`: the kernel to snapshot.
public struct SnapshotRequest: Codable, Sendable, Equatable {
    /// A configured kernel that declares `data`.
    public var kernel: String

    /// A request to snapshot `kernel`.
    public init(kernel: String) {
        self.kernel = kernel
    }
}
