import Crypto
import Foundation

/// Content-addressed chunk files: `chunks/ab/cdef...`, named by the SHA-256 of their content. A chunk is written
/// once (temporary name, fsync, rename) and shared by every snapshot that holds the same bytes.
struct ChunkStore: Sendable {
    let directory: String

    /// The size files are cut into. Small enough to dedup appended-to files, large enough to keep counts low.
    static let chunkSize = 1 << 20

    /// 64 lowercase hexadecimal digits: the only names a chunk can have.
    static func isHash(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func hash<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        hex(SHA256.hash(data: bytes))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    func path(_ hash: String) -> String {
        directory + "/" + hash.prefix(2) + "/" + hash.dropFirst(2)
    }

    /// Stores `bytes` unless a chunk of that name exists already. Returns the hash, and the directory that got a
    /// new file (to be fsynced before a manifest refers to the chunk), if any.
    func write(_ bytes: ArraySlice<UInt8>) throws -> (hash: String, newIn: String?) {
        let hash = Self.hash(bytes)
        let target = path(hash)
        if try DurableFile.status(target) != nil { return (hash, nil) }
        let subdirectory = directory + "/" + hash.prefix(2)
        try DurableFile.makeDirectory(subdirectory)
        try DurableFile.writeAtomically(Array(bytes), to: target, mode: 0o444)
        return (hash, subdirectory)
    }

    /// The chunk's bytes, or nil when it is missing.
    func read(_ hash: String) throws -> [UInt8]? {
        do {
            return try DurableFile.readAll(path(hash))
        } catch SnapshotError.io(_, _, let code) where code == ENOENT {
            return nil
        }
    }

    /// What is wrong with a chunk (nil: it is present and its content hashes to its name), and its length.
    func check(_ hash: String) throws -> (problem: String?, length: Int) {
        guard let bytes = try read(hash) else { return ("missing", 0) }
        let actual = Self.hash(bytes)
        return (actual == hash ? nil : "corrupt (its content hashes to \(actual.prefix(12)))", bytes.count)
    }

    /// The chunk files under the directory by hash, and the temporary files that interrupted writes left behind.
    /// Anything else is not the store's and is left alone.
    func contents() throws -> (chunks: [String], debris: [String]) {
        var chunks: [String] = []
        var debris: [String] = []
        for prefix in try DurableFile.entries(directory) {
            let subdirectory = directory + "/" + prefix
            if prefix.hasPrefix(DurableFile.temporaryPrefix) {
                debris.append(subdirectory)
                continue
            }
            guard prefix.utf8.count == 2, try DurableFile.kind(subdirectory) == .directory else { continue }
            for name in try DurableFile.entries(subdirectory) {
                if Self.isHash(prefix + name) {
                    chunks.append(prefix + name)
                } else if name.hasPrefix(DurableFile.temporaryPrefix) {
                    debris.append(subdirectory + "/" + name)
                }
            }
        }
        return (chunks, debris)
    }
}
