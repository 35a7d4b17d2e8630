/// Encodes values into canonical text that ignores where they were written, for comparisons and hashes that
/// must not change when a file is reformatted, reordered or commented.
enum CanonicalEncoder {
    /// A condition without its spans: two triggers with the same canonical condition fire together.
    static func condition(_ condition: Condition) -> String {
        var out = ""
        write(condition, into: &out)
        return out
    }

    /// Any value, reflected; source spans are skipped, dictionaries sorted.
    static func encode(_ value: Any) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    private static func write(_ value: Any, into out: inout String) {
        if value is SourceSpan { return }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .enum:
            if mirror.children.isEmpty {
                out += "\(value);"
                return
            }
            for child in mirror.children {
                out += "\(child.label ?? "")("
                write(child.value, into: &out)
                out += ")"
            }
        case .optional:
            if let child = mirror.children.first { write(child.value, into: &out) } else { out += "nil;" }
        case .dictionary:
            var entries: [String] = []
            for child in mirror.children {
                var entry = ""
                write(child.value, into: &entry)
                entries.append(entry)
            }
            out += "{" + entries.sorted().joined(separator: ",") + "}"
        case .collection, .set, .tuple, .struct, .class:
            let children = mirror.children.filter { !($0.value is SourceSpan) }
            if children.isEmpty {
                out += "\(value);"
                return
            }
            var parts: [String] = []
            for child in children {
                var part = (child.label.map { "\($0)=" } ?? "")
                write(child.value, into: &part)
                parts.append(part)
            }
            if mirror.displayStyle == .set { parts.sort() }
            out += "[" + parts.joined(separator: ",") + "]"
        default:
            out += "\(value);"
        }
    }
}
