import Crypto

/// Hashes documents by content: a canonical encoding of the YAML tree (mapping keys sorted, aliases expanded,
/// quoting kept because `"8080"` and `8080` mean different things), so reformatting, reordering keys or
/// files and editing comments leave hashes unchanged.
public enum ContentHasher {
    /// SHA-256 of one document, hex.
    public static func hash(_ node: YAMLNode) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        encode(node, into: &bytes)
        return hex(SHA256.hash(data: bytes))
    }

    /// The canonical encoding of a subtree as text, for equality of meaning regardless of formatting.
    public static func canonical(_ node: YAMLNode) -> String {
        var bytes: [UInt8] = []
        encode(node, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// SHA-256 over document hashes sorted by id: the hash of a whole configuration.
    public static func combine(_ hashes: [DocumentID: String]) -> String {
        var bytes: [UInt8] = []
        for (id, hash) in hashes.sorted(by: { $0.key < $1.key }) {
            bytes.append(contentsOf: Array("\(id)=\(hash)\n".utf8))
        }
        return hex(SHA256.hash(data: bytes))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func encode(_ node: YAMLNode, into bytes: inout [UInt8]) {
        if let tag = node.tag {
            bytes.append(UInt8(ascii: "!"))
            appendString(tag, into: &bytes)
        }
        switch node.content {
        case .scalar(let s):
            bytes.append(node.isQuotedOrString ? UInt8(ascii: "s") : UInt8(ascii: "p"))
            appendString(node.isNull ? "" : s.text, into: &bytes)
        case .sequence(let items):
            bytes.append(UInt8(ascii: "["))
            for item in items { encode(item, into: &bytes) }
            bytes.append(UInt8(ascii: "]"))
        case .mapping(let pairs):
            bytes.append(UInt8(ascii: "{"))
            // Sort indices by key, not the (large) pairs themselves.
            let keys = pairs.map { $0.key.text ?? "" }
            for i in pairs.indices.sorted(by: { keys[$0] < keys[$1] }) {
                encode(pairs[i].key, into: &bytes)
                encode(pairs[i].value, into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Length-prefixed, so no text can imitate structure.
    private static func appendString(_ s: String, into bytes: inout [UInt8]) {
        bytes.append(contentsOf: String(s.utf8.count).utf8)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(contentsOf: s.utf8)
    }
}
