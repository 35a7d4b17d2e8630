import Crypto

/// The journal's hash chain: each entry's hash covers its contents and the hash of the entry before it, so that
/// changing, inserting or removing an entry anywhere but at the very end breaks every link after it.
///
/// The hashed bytes are a canonical encoding in which every part is prefixed with its length (8 bytes, big
/// endian), so that no two different entries encode the same: ("ab", "c") and ("a", "bc") differ, a missing
/// kernel differs from an empty one, and fields are sorted by the UTF-8 bytes of their keys.
enum JournalChain {
    /// The `previousHash` of the first entry.
    static let genesis = String(repeating: "0", count: 64)

    /// Names the encoding, so that a future change of it cannot collide with this one.
    private static let domain = Array("grace.journal.v1".utf8)

    static func hash(
        previousHash: String, id: Int64, timeMilliseconds: Int64, kind: String, kernel: String?,
        fields: [String: String]
    ) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        appendPart(domain, to: &bytes)
        appendPart(previousHash, to: &bytes)
        appendPart(id, to: &bytes)
        appendPart(timeMilliseconds, to: &bytes)
        appendPart(kind, to: &bytes)
        if let kernel {
            appendPart([1], to: &bytes)
            appendPart(kernel, to: &bytes)
        } else {
            appendPart([0], to: &bytes)
        }
        appendPart(Int64(fields.count), to: &bytes)
        for (key, value) in sortedByKeyBytes(fields) {
            appendPart(key, to: &bytes)
            appendPart(value, to: &bytes)
        }
        return hex(SHA256.hash(data: bytes))
    }

    /// Fields in the order of their keys' UTF-8 bytes, which unlike `String`'s `<` cannot change with Unicode
    /// versions.
    static func sortedByKeyBytes(_ fields: [String: String]) -> [(key: String, value: String)] {
        if fields.count < 2 { return fields.map { ($0.key, $0.value) } }
        return fields.sorted { a, b in
            var lhs = a.key
            var rhs = b.key
            return lhs.withUTF8 { l in rhs.withUTF8 { r in l.lexicographicallyPrecedes(r) } }
        }
    }

    private static func appendPart(_ part: [UInt8], to bytes: inout [UInt8]) {
        appendBigEndian(UInt64(part.count), to: &bytes)
        bytes.append(contentsOf: part)
    }

    private static func appendPart(_ string: String, to bytes: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            appendBigEndian(UInt64(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    private static func appendPart(_ value: Int64, to bytes: inout [UInt8]) {
        appendBigEndian(8, to: &bytes)
        appendBigEndian(UInt64(bitPattern: value), to: &bytes)
    }

    private static func appendBigEndian(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(_ digest: SHA256.Digest) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
