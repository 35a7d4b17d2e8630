import Foundation

/// One snapshot of a kernel's declared data: which files it held, with their modes, sizes and the SHA-256 names of
/// the chunks their contents were cut into. Stored as `manifests/<id>.json`; the chunks live in `chunks/`.
///
/// Only regular files are captured. Symbolic links, sockets, FIFOs and devices are listed in `skipped` and left
/// alone by restore: following a link could read or write outside the configuration root, and recreating one
/// would let a kernel redirect a later restore anywhere it likes.
public struct SnapshotManifest: Sendable, Hashable {
    /// Sortable by time: `20261126T101512Z-<first 8 hex digits of the SHA-256 of the manifest>`.
    public var id: String
    /// The kernel whose data it holds.
    public var kernel: String
    /// When the snapshot was taken, to the millisecond.
    public var time: Date
    /// A label the taker gave it (`scheduled`, `api`, a playbook's `tag:`); nil when none was given.
    public var tag: String?
    /// The kernel's data paths as snapshotted, relative to the root; restore manages exactly these.
    public var paths: [String]
    /// Every regular file under `paths`, sorted by path.
    public var files: [Entry]
    /// What was not captured because it is neither a regular file nor a directory.
    public var skipped: [Skipped]
    /// Taken while the kernel was healthy: `last_good` picks the newest of these.
    public var good: Bool

    /// Makes a manifest from its parts; the store makes one for each snapshot it takes.
    public init(
        id: String, kernel: String, time: Date, tag: String?, paths: [String], files: [Entry],
        skipped: [Skipped] = [], good: Bool
    ) {
        self.id = id
        self.kernel = kernel
        self.time = time
        self.tag = tag
        self.paths = paths
        self.files = files
        self.skipped = skipped
        self.good = good
    }

    /// A regular file: its path relative to the root, permission bits, size and chunk hashes in order.
    public struct Entry: Sendable, Codable, Hashable {
        /// Relative to the configuration root.
        public var path: String
        /// The permission bits (`0o644`), restored with the file.
        public var mode: UInt16
        /// The file's size in bytes.
        public var size: UInt64
        /// The SHA-256 names (hex) of its 1 MiB chunks, in order; empty for an empty file.
        public var chunks: [String]

        /// Makes an entry from its parts.
        public init(path: String, mode: UInt16, size: UInt64, chunks: [String]) {
            self.path = path
            self.mode = mode
            self.size = size
            self.chunks = chunks
        }
    }

    /// Something under the data paths that was not captured; `kind` is `symlink`, `socket`, `fifo`, `device`, or
    /// `vanished` (removed while the snapshot was being taken).
    public struct Skipped: Sendable, Codable, Hashable {
        /// Relative to the configuration root.
        public var path: String
        /// `symlink`, `socket`, `fifo`, `device` or `vanished`.
        public var kind: String

        /// Makes a record of a skipped path.
        public init(path: String, kind: String) {
            self.path = path
            self.kind = kind
        }
    }

    /// The total size of the files.
    public var bytes: UInt64 { files.reduce(0) { $0 + $1.size } }
}
