/// Chooses how to write a scalar so that it reads back as the intended text: plain when that is safe, else
/// double-quoted with escapes (or single-quoted when the original was and nothing needs escaping).
enum YAMLScalarWriter {
    /// `text` as scalar source. `typed` text (numbers, booleans, durations) stays plain when the syntax allows;
    /// a string (`typed == false`) is also quoted when plain text would resolve to null, a boolean or a number.
    /// `previous` is the style of the scalar being replaced, kept for quoted strings.
    static func render(_ text: String, typed: Bool, flow: Bool, previous: YAMLScalar.Style? = nil) -> String {
        let plainOK = isPlainSafe(text, flow: flow) && (typed || !resolvesAsNonString(text))
        if typed && plainOK { return text }
        switch previous {
        case .doubleQuoted: return doubleQuoted(text)
        case .singleQuoted: return canSingleQuote(text) ? singleQuoted(text) : doubleQuoted(text)
        default: return plainOK ? text : doubleQuoted(text)
        }
    }

    /// A mapping key: always a string.
    static func key(_ text: String, flow: Bool) -> String {
        render(text, typed: false, flow: flow)
    }

    /// Whether `text` can be written as a plain scalar (in flow context when `flow`) and read back unchanged.
    static func isPlainSafe(_ text: String, flow: Bool) -> Bool {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return false }
        if " \t".unicodeScalars.contains(first) || " \t".unicodeScalars.contains(last) { return false }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return false }
        if last == ":" { return false }
        var previous: Unicode.Scalar = " "
        for scalar in text.unicodeScalars {
            if !isPrintable(scalar) || scalar == "\t" { return false }
            if scalar == "#" && previous == " " { return false }
            if previous == ":" && scalar == " " { return false }
            if flow && ",[]{}".unicodeScalars.contains(scalar) { return false }
            previous = scalar
        }
        return true
    }

    /// Whether a plain scalar with this text would be read as something other than a string (YAML 1.1 and 1.2
    /// core schemas, whichever is wider): null, a boolean, a number, a merge key.
    static func resolvesAsNonString(_ text: String) -> Bool {
        let words: Set<String> = [
            "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES",
            "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "<<", "=",
            ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",
        ]
        if words.contains(text) { return true }
        let scalars = Array(text.unicodeScalars.prefix(3))
        func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 0x30 && s.value <= 0x39 }
        guard let first = scalars.first else { return true }
        if isDigit(first) { return true }
        if "+-.".unicodeScalars.contains(first), scalars.count > 1 {
            if isDigit(scalars[1]) { return true }
            if scalars[1] == ".", scalars.count > 2, isDigit(scalars[2]) { return true }
        }
        return false
    }

    /// Printable in YAML's sense and not a line break.
    static func isPrintable(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09: true
        case 0x20...0x7E: true
        case 0xA0...0xD7FF: s.value != 0x2028 && s.value != 0x2029
        case 0xE000...0xFFFD: s.value != 0xFEFF
        case 0x10000...0x10FFFF: true
        default: false
        }
    }

    static func canSingleQuote(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { isPrintable($0) && $0 != "\t" }
    }

    static func singleQuoted(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }

    static func doubleQuoted(_ text: String) -> String {
        var out = "\""
        for s in text.unicodeScalars {
            switch s {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            case "\u{85}": out += "\\N"
            case "\u{A0}": out += "\\_"
            case "\u{2028}": out += "\\L"
            case "\u{2029}": out += "\\P"
            default:
                if isPrintable(s) {
                    out.unicodeScalars.append(s)
                } else if s.value <= 0xFF {
                    out += "\\x" + hex(s.value, width: 2)
                } else if s.value <= 0xFFFF {
                    out += "\\u" + hex(s.value, width: 4)
                } else {
                    out += "\\U" + hex(s.value, width: 8)
                }
            }
        }
        return out + "\""
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
