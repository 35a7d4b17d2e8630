import GraceDSL

/// A duration or byte size written with a unit Grace does not spell that way (G110 `5min`, `5 seconds`; G111
/// `256MiBs`, `512mib`): the number keeps its value, the unit takes Grace's spelling. Only spellings that mean
/// one unit are mapped (`gigs` or `m` for a size are left alone).
public struct UnitPlanner: RepairPlanner {
    public let name = "unit"

    public init() {}

    static let durationUnits: [String: String] = [
        "ms": "ms", "msec": "ms", "msecs": "ms", "millis": "ms", "millisecond": "ms", "milliseconds": "ms",
        "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
        "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
        "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
        "d": "d", "day": "d", "days": "d",
    ]

    static let byteUnits: [String: String] = [
        "b": "B", "byte": "B", "bytes": "B",
        "kib": "KiB", "kibs": "KiB", "mib": "MiB", "mibs": "MiB", "gib": "GiB", "gibs": "GiB", "tib": "TiB",
        "tibs": "TiB", "kb": "KB", "kbs": "KB", "mb": "MB", "mbs": "MB", "gb": "GB", "gbs": "GB", "tb": "TB",
        "tbs": "TB",
    ]

    public func proposals(for diagnostic: Diagnostic, in tree: CompiledTree) -> [ConfigChange] {
        let table: [String: String]
        switch diagnostic.code {
        case .invalidDuration: table = Self.durationUnits
        case .invalidByteSize: table = Self.byteUnits
        default: return []
        }
        guard let source = tree.source(diagnostic.span.file) else { return [] }
        let range = diagnostic.span.start.offset..<min(diagnostic.span.end.offset, source.bytes.count)
        let written = source.text(range)
        var text = Substring(written)
        var quote = ""
        if let first = text.first, first == "\"" || first == "'", text.count >= 2, text.last == first {
            quote = String(first)
            text = text.dropFirst().dropLast()
        }
        let number = text.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unit = text.dropFirst(number.count).drop { $0 == " " }
        guard !number.isEmpty, !unit.isEmpty, let spelled = table[unit.lowercased()],
            diagnostic.code == .invalidByteSize || !number.contains(".")
        else { return [] }
        let replacement = "\(quote)\(number)\(spelled)\(quote)"
        guard replacement != written else { return [] }
        return [
            change(
                diagnostic, source, [TextEdit(file: source.path, range: range, replacement: replacement)],
                "write `\(written)` as `\(replacement)`")
        ]
    }
}
