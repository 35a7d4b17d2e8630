/// Parses Grace durations: an integer and a unit (`ms`, `s`, `m`, `h`, `d`), units combinable largest first
/// (`1h30m`). Values are Swift's own `Duration`.
public enum DurationParser {
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// Returns nil when `text` is not a duration.
    public static func parse(_ text: String) -> Duration? {
        // Byte by byte: every duration field of a configuration comes through here. Digits and unit letters
        // are ASCII, so any other byte makes the text invalid, as it did when this walked Characters.
        text.utf8.withContiguousStorageIfAvailable(parse(bytes:)) ?? parse(bytes: Array(text.utf8)[...])
    }

    private static func parse<Bytes: RandomAccessCollection<UInt8>>(bytes: Bytes) -> Duration?
    where Bytes.Index == Int {
        var i = bytes.startIndex
        let end = bytes.endIndex
        guard i < end else { return nil }
        var total: Int64 = 0
        var lastUnit: Int64 = .max
        while i < end {
            let digitsStart = i
            var number: Int64 = 0
            while i < end, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                if i - digitsStart < 12 { number = number * 10 + Int64(bytes[i] - UInt8(ascii: "0")) }
                i += 1
            }
            guard i > digitsStart, i - digitsStart <= 12 else { return nil }
            let lettersStart = i
            while i < end, isASCIILetter(bytes[i]) { i += 1 }
            guard let unit = units.first(where: { $0.suffix.utf8.elementsEqual(bytes[lettersStart..<i]) }) else {
                return nil
            }
            // Largest first, each unit once: `30s5m` or `5m5m` is almost certainly a typo.
            guard unit.milliseconds < lastUnit else { return nil }
            lastUnit = unit.milliseconds
            let (product, overflow) = number.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow else { return nil }
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow2 else { return nil }
            total = sum
        }
        return .milliseconds(total)
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    /// Formats a duration the way it would be written in YAML (`1h30m`, `250ms`).
    public static func format(_ duration: Duration) -> String {
        var ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms == 0 { return "0s" }
        var out = ""
        for unit in units.reversed() where ms >= unit.milliseconds {
            if unit.suffix == "ms" || ms % unit.milliseconds == 0 || unit.milliseconds >= 1000 {
                let n = ms / unit.milliseconds
                if n > 0 {
                    out += "\(n)\(unit.suffix)"
                    ms -= n * unit.milliseconds
                }
            }
        }
        return out
    }
}

extension Duration {
    /// Whole milliseconds, for comparisons and canonical encodings.
    public var milliseconds: Int64 {
        // `components` divides the 128-bit representation: once, not twice (replay calls this millions of times).
        let c = components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }
}
