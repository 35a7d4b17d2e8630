/// A number of bytes, written `512MiB`, `1.5GB` or as a bare integer.
public struct ByteSize: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var bytes: UInt64

    public init(bytes: UInt64) {
        self.bytes = bytes
    }

    private static let units: [(suffix: String, factor: Double)] = [
        ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
        ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1),
    ]

    /// Returns nil when `text` is not a byte size.
    public static func parse(_ text: String) -> ByteSize? {
        if let whole = UInt64(text) { return ByteSize(bytes: whole) }
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }) else { return nil }
        let number = text.dropLast(unit.suffix.count)
        guard !number.isEmpty, number.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "." }),
            number.first != ".", number.last != ".", number.filter({ $0 == "." }).count <= 1,
            let value = Double(number)
        else { return nil }
        let bytes = (value * unit.factor).rounded()
        guard bytes.isFinite, bytes >= 0, bytes < 9.2e18 else { return nil }
        return ByteSize(bytes: UInt64(bytes))
    }

    public var description: String {
        for (suffix, factor) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1024)] as [(String, UInt64)]
        where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return "\(bytes)B"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }
}
