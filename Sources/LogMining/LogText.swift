import Foundation

/// Turning a log file into lines and mining results into the CSV that Loghub's evaluator reads.
public enum LogText {
    /// The lines of `data` split at `\n`, `\r\n` or a lone `\r` (as Python's universal newlines, which the Loghub
    /// files and logpai's tools assume); bytes that are not UTF-8 become U+FFFD. No line for a final terminator.
    public static func lines(_ data: Data) -> [String] {
        var lines: [String] = []
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x0A || byte == 0x0D {
                    lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                    if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                    start = index + 1
                }
                index += 1
            }
            if start < bytes.count {
                lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
            }
        }
        return lines
    }

    /// The CSV header of `grace logs mine`.
    public static let csvHeader = "LineId,EventId,EventTemplate"

    /// One CSV row: line number (from 1), template id and template text, quoted as RFC 4180 requires.
    public static func csvRow(lineID: Int, template: MinedTemplate) -> String {
        "\(lineID),\(template.id.rawValue),\(csvField(template.text))"
    }

    /// `field` quoted when it holds a comma, a quote or a line break (quotes doubled).
    public static func csvField(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            return field
        }
        var quoted: [UInt8] = [0x22]
        quoted.reserveCapacity(field.utf8.count + 8)
        for byte in field.utf8 {
            quoted.append(byte)
            if byte == 0x22 { quoted.append(0x22) }
        }
        quoted.append(0x22)
        return String(decoding: quoted, as: UTF8.self)
    }
}
