import Foundation

/// Encodes the machine-readable reports (JSON, SARIF) the same way: sorted keys, pretty-printed, unescaped slashes,
/// so that output is stable and diffable.
enum JSONOutput {
    static func string(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // The report types hold only strings, integers and arrays of them, which always encode.
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
