import Foundation
import Glibc
import Synchronization

/// DIR/data.db: a `#` header, then one record per line: `ID UNIX-MS CRC32 PAYLOAD`, the CRC over `ID UNIX-MS PAYLOAD`.
final class DataStore: Sendable {
    /// What ``verify()`` found: the good records and the last id, or the first bad line and why.
    enum Check { case ok(records: Int, lastID: Int), corrupt(line: Int, reason: String) }
    let path: String
    /// Held for the whole of every read and write of the file, so that they never interleave.
    private let state = Mutex(State())

    private struct State {
        var nextID = 1
        var records = 0
    }

    /// Records counted by the last verify, plus those appended since.
    var records: Int { state.withLock { $0.records } }

    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory.hasSuffix("/") ? directory + "data.db" : directory + "/data.db"
    }

    static func encode(id: Int, payload: String) -> String {
        let body = "\(id) \(Int(Date().timeIntervalSince1970 * 1000))"
        return "\(body) \(String(format: "%08x", crc32("\(body) \(payload)".utf8))) \(payload)\n"
    }

    /// Reads the whole file and checks every record: well-formed, increasing ids, matching checksum, whole last line.
    func verify() -> Check {
        state.withLock { state in
            guard let data = FileManager.default.contents(atPath: path) else { return .ok(records: 0, lastID: 0) }
            if !data.isEmpty && data.last != UInt8(ascii: "\n") {
                return .corrupt(line: data.split(separator: UInt8(ascii: "\n")).count, reason: "torn_write")
            }
            var count = 0, lastID = 0
            for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
                if line.hasPrefix("#") { continue }
                let fields = line.split(separator: " ", maxSplits: 3)
                guard fields.count == 4, let id = Int(fields[0]), Int(fields[1]) != nil,
                    let stored = UInt32(fields[2], radix: 16)
                else {
                    return .corrupt(line: index + 1, reason: "unparseable")
                }
                guard id > lastID else { return .corrupt(line: index + 1, reason: "out_of_order") }
                guard crc32("\(fields[0]) \(fields[1]) \(fields[3])".utf8) == stored else {
                    return .corrupt(line: index + 1, reason: "checksum_mismatch")
                }
                count += 1
                lastID = id
            }
            state.records = count
            state.nextID = lastID + 1
            return .ok(records: count, lastID: lastID)
        }
    }

    /// Damages the file the way a bad disk or a stray writer would, so that `verify` fails: `flip` changes one
    /// byte of the last record's payload (checksum_mismatch), `torn` cuts the file in the middle of its last line
    /// (torn_write), `garbage` overwrites the start of the first record with random bytes (unparseable).
    /// Returns what was done; nil on an I/O error (errno is set).
    func corrupt(_ how: Fault.CorruptHow) -> String? {
        state.withLock { _ in
            let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
            var lines: [Range<Int>] = []  // the record lines (not the `#` header), without their newline
            var start = 0
            for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
                if index > start && bytes[start] != UInt8(ascii: "#") { lines.append(start..<index) }
                start = index + 1
            }
            let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            func overwrite(_ patch: [UInt8], at offset: Int) -> Bool {
                patch.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) } == patch.count
                    && fsync(fd) == 0
            }
            var how = how
            if how == .flip, let last = lines.last {
                // The payload starts after the third space: ID UNIX-MS CRC32 PAYLOAD.
                let spaces = bytes[last].indices.filter { bytes[$0] == UInt8(ascii: " ") }
                if spaces.count >= 3, spaces[2] + 1 < last.upperBound {
                    let offset = Int.random(in: (spaces[2] + 1)..<last.upperBound)
                    let byte: UInt8 = bytes[offset] == UInt8(ascii: "X") ? UInt8(ascii: "Y") : UInt8(ascii: "X")
                    guard overwrite([byte], at: offset) else { return nil }
                    let line = bytes[..<offset].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
                    return
                        "byte \(offset) (line \(line)) changed from '\(Character(Unicode.Scalar(bytes[offset])))' to "
                        + "'\(Character(Unicode.Scalar(byte)))'"
                }
                how = .garbage
            }
            if how == .torn, !bytes.isEmpty {
                let cut = min(bytes.count, (lines.last?.count ?? 0) / 2 + 1)
                guard ftruncate(fd, off_t(bytes.count - cut)) == 0, fsync(fd) == 0 else { return nil }
                return "cut the last \(cut) bytes, leaving a torn last line"
            }
            let garbage = (0..<16).map { _ in UInt8.random(in: 0x80...0xFF) }
            if let first = lines.first {
                let patch = Array(garbage.prefix(first.count))
                guard overwrite(patch, at: first.lowerBound) else { return nil }
                return "overwrote \(patch.count) bytes of the first record with garbage"
            }
            guard overwrite(garbage + [UInt8(ascii: "\n")], at: bytes.count) else { return nil }
            return "appended a line of garbage"
        }
    }

    /// Appends records and fsyncs; returns the last id, the bytes written and the fsync time in ms, nil on an I/O
    /// error.
    func append(_ payloads: [String], header: String? = nil) -> (lastID: Int, bytes: Int, fsyncMs: Double)? {
        state.withLock { state in
            var text = header.map { "# \($0)\n" } ?? ""
            for payload in payloads {
                text += DataStore.encode(id: state.nextID, payload: payload)
                state.nextID += 1
            }
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            guard writeAll(fd, Array(text.utf8)) else { return nil }
            let start = monotonic()
            guard fsync(fd) == 0 else { return nil }
            state.records += payloads.count
            return (state.nextID - 1, text.utf8.count, (monotonic() - start) * 1000)
        }
    }
}
