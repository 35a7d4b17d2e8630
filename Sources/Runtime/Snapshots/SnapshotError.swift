import Foundation

/// What went wrong in the snapshot store, and where. Every failure of the store is one of these; none crashes.
public enum SnapshotError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A data path (or a path recorded in a manifest) that is not a plain relative path inside the root.
    case invalidPath(String, reason: String)
    /// No snapshot has this id.
    case notFound(String)
    /// `latest` or `last_good` of a kernel that has no such snapshot.
    case noSnapshot(kernel: String, reference: String)
    /// `last_good` of a kernel whose good snapshots are all `distrusted`: restored, they did not make it healthy.
    case noTrustedSnapshot(kernel: String, distrusted: [String])
    /// An id prefix that matches more than one snapshot.
    case ambiguous(String, matches: [String])
    /// A snapshot that exists but belongs to another kernel than the one it was asked for.
    case wrongKernel(id: String, kernel: String, expected: String)
    /// A manifest file that cannot be read as a manifest (truncated, edited, or not JSON).
    case corruptManifest(path: String, reason: String)
    /// A chunk that is missing or whose content no longer hashes to its name; nothing was restored from it.
    case damagedChunk(hash: String, file: String, reason: String)
    /// A system call that failed.
    case io(operation: String, path: String, errno: Int32)

    /// One line for the user, naming the snapshot, path or kernel concerned.
    public var description: String {
        switch self {
        case .invalidPath(let path, let reason):
            "invalid data path \(String(reflecting: path)): \(reason)"
        case .notFound(let id):
            "no snapshot \(String(reflecting: id))"
        case .noSnapshot(let kernel, let reference):
            reference == "last_good"
                ? "kernel \(kernel) has no good snapshot (one taken while it was healthy)"
                : "kernel \(kernel) has no snapshot"
        case .noTrustedSnapshot(let kernel, let distrusted):
            "kernel \(kernel) has no good snapshot but \(distrusted.joined(separator: ", ")), which did not make it "
                + "healthy when restored"
        case .ambiguous(let reference, let matches):
            "snapshot reference \(String(reflecting: reference)) is ambiguous: it matches "
                + matches.prefix(5).joined(separator: ", ") + (matches.count > 5 ? ", ..." : "")
        case .wrongKernel(let id, let kernel, let expected):
            "snapshot \(id) holds the data of kernel \(kernel), not of \(expected)"
        case .corruptManifest(let path, let reason):
            "corrupt snapshot manifest \(path): \(reason)"
        case .damagedChunk(let hash, let file, let reason):
            "chunk \(hash.prefix(12)) of \(file) is \(reason)"
        case .io(let operation, let path, let code):
            "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}
