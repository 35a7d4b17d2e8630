/// A template's stable identity: 16 hex digits of the 64-bit FNV-1a hash of the template's text (UTF-8). The same
/// template text has the same id in any process, on any machine, in any version that keeps this function.
public struct TemplateID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The id of the template `text` (tokens joined by single spaces, variables as `<*>`).
    public init(templateText text: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        rawValue = String(repeating: "0", count: 16 - hex.count) + hex
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: TemplateID, rhs: TemplateID) -> Bool { lhs.rawValue < rhs.rawValue }
}
