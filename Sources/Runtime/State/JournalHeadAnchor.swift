import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The journal's head (newest id and hash), written outside the database after every commit, so that removing
/// entries from the end of the journal shows: the hash chain alone cannot tell a truncated journal from a shorter
/// one. `StateStore.verify()` compares the table with it, and Grace journals a mismatch when it starts.
///
/// The file holds one fixed-size line, `grace-journal-head 1 <id> <hash> <crc32>`, rewritten in place with one
/// `pwrite` (no rename, no fsync: it has the durability of the commit before it, see `StateStore`). A torn or
/// foreign file is reported as unreadable, never mistaken for a head.
///
/// Someone who can rewrite the database can rewrite this file too: the anchor catches a journal cut short by
/// accident, by a tool or by a careless hand, and it makes a deliberate rewrite take two coordinated edits. Copy
/// the head elsewhere (`grace journal verify` prints it) for evidence that survives the machine.
public final class JournalHeadAnchor: Sendable {
    /// What the file says.
    public enum Reading: Sendable, Equatable {
        /// No file: a journal that never had an anchor (a fresh state directory, or one from before anchors).
        case missing
        /// A file that is not a whole anchor line.
        case unreadable
        /// The head it records.
        case head(id: Int64, hash: String)
    }

    let path: String
    private let lastWritten = Mutex<Int64>(0)
    private static let width = 128
    private static let magic = "grace-journal-head 1"

    init(path: String) {
        self.path = path
    }

    /// Records `id` and `hash` as the head, unless a newer head was already written (appends from several tasks may
    /// finish their commits and their anchor writes in different orders).
    func write(id: Int64, hash: String) {
        lastWritten.withLock { last in
            guard id > last else { return }
            last = id
            var line = "\(Self.magic) \(id) \(hash)"
            line += " " + String(Self.crc32(Array(line.utf8)), radix: 16)
            line += String(repeating: " ", count: max(0, Self.width - 1 - line.utf8.count)) + "\n"
            let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return }
            defer { close(fd) }
            _ = line.withCString { pwrite(fd, $0, strlen($0), 0) }
        }
    }

    /// Reads the file.
    func read() -> Reading {
        guard let data = FileManager.default.contents(atPath: path) else {
            return FileManager.default.fileExists(atPath: path) ? .unreadable : .missing
        }
        guard let text = String(data: data, encoding: .utf8) else { return .unreadable }
        let words = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
        guard words.count == 5, "\(words[0]) \(words[1])" == Self.magic, let id = Int64(words[2]), id > 0,
            words[3].count == 64, let crc = UInt32(words[4], radix: 16),
            crc == Self.crc32(Array("\(Self.magic) \(words[2]) \(words[3])".utf8))
        else { return .unreadable }
        return .head(id: id, hash: words[3])
    }

    /// CRC-32 (IEEE), to tell a torn write from a head. Written here: 20 lines instead of a zlib dependency.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
