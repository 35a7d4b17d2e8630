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

    /// The whole CSV, header included, for lines whose final templates are `templates` (line numbers from 1).
    /// Each template's `,id,text` is rendered once: a file has far fewer templates than lines.
    public static func csv(_ templates: [MinedTemplate]) -> Data {
        var output: [UInt8] = []
        output.reserveCapacity(32 + templates.count * 48)
        output.append(contentsOf: csvHeader.utf8)
        output.append(0x0A)
        var rendered: [TemplateID: [UInt8]] = [:]
        for (index, template) in templates.enumerated() {
            output.append(contentsOf: String(index + 1).utf8)
            if let tail = rendered[template.id] {
                output.append(contentsOf: tail)
            } else {
                let tail = Array(",\(template.id.rawValue),\(csvField(template.text))\n".utf8)
                rendered[template.id] = tail
                output.append(contentsOf: tail)
            }
        }
        return Data(output)
    }

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
