import Foundation

/// Turns scalar nodes into typed values, reporting a diagnostic at the value when it does not fit.
/// Every accessor returns nil after reporting; callers simply skip what is missing.
struct ValueReader {
    let sink: DiagnosticSink

    private func wrongType(_ node: YAMLNode, expected: String, field: String) {
        sink.emit(.wrongType, "`\(field)` must be \(expected), found \(node.kindDescription)", at: node.span)
    }

    func string(_ node: YAMLNode, field: String) -> Located<String>? {
        guard let s = node.scalar, !node.isNull else {
            wrongType(node, expected: "a string", field: field)
            return nil
        }
        // A plain `true`, `12` or `1.5` is accepted as text: YAML authors rarely quote them in messages.
        return Located(s.text, at: node.span)
    }

    func bool(_ node: YAMLNode, field: String) -> Bool? {
        if let s = node.scalar, !node.isQuotedOrString {
            if s.text == "true" { return true }
            if s.text == "false" { return false }
        }
        wrongType(node, expected: "a boolean (`true` or `false`)", field: field)
        return nil
    }

    func int(_ node: YAMLNode, field: String, range: ClosedRange<Int>? = nil) -> Located<Int>? {
        guard let s = node.scalar, !node.isQuotedOrString, let value = Int(s.text) else {
            wrongType(node, expected: "an integer", field: field)
            return nil
        }
        if let range, !range.contains(value) {
            sink.emit(
                .outOfRange, "`\(field)` must be between \(range.lowerBound) and \(range.upperBound), found \(value)",
                at: node.span)
            return nil
        }
        return Located(value, at: node.span)
    }

    func number(_ node: YAMLNode, field: String, range: ClosedRange<Double>? = nil) -> Located<Double>? {
        guard let s = node.scalar, !node.isQuotedOrString, let value = Double(s.text), value.isFinite else {
            wrongType(node, expected: "a number", field: field)
            return nil
        }
        if let range, !range.contains(value) {
            sink.emit(
                .outOfRange,
                "`\(field)` must be between \(format(range.lowerBound)) and \(format(range.upperBound)), "
                    + "found \(s.text)",
                at: node.span)
            return nil
        }
        return Located(value, at: node.span)
    }

    private func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }

    func duration(_ node: YAMLNode, field: String, allowZero: Bool = false) -> Located<Duration>? {
        guard let s = node.scalar, !node.isNull else {
            wrongType(node, expected: "a duration such as `30s`", field: field)
            return nil
        }
        guard let d = DurationParser.parse(s.text) else {
            if Template.looksTemplated(s.text) {
                sink.emit(
                    .typeMismatch,
                    "`\(field)` takes a literal duration, not a template; templates are allowed only in targets "
                        + "and text fields",
                    at: node.span)
                return nil
            }
            var fixIts: [FixIt] = []
            var message = "`\(s.text)` is not a duration; write a number and a unit (`ms`, `s`, `m`, `h`, `d`)"
            if let n = Int(s.text) {
                message += ", e.g. `\(n)s`"
                fixIts.append(FixIt("add the unit `s`", span: node.span, replacement: "\(n)s"))
            }
            sink.emit(.invalidDuration, message, at: node.span, fixIts: fixIts)
            return nil
        }
        if !allowZero && d == .zero {
            sink.emit(.outOfRange, "`\(field)` must be longer than zero", at: node.span)
            return nil
        }
        return Located(d, at: node.span)
    }

    func byteSize(_ node: YAMLNode, field: String) -> Located<ByteSize>? {
        guard let s = node.scalar, !node.isNull, let size = ByteSize.parse(s.text) else {
            sink.emit(
                .invalidByteSize,
                "`\(node.text ?? node.kindDescription)` is not a byte size; write e.g. `512MiB` or `1GB`",
                at: node.span)
            return nil
        }
        return Located(size, at: node.span)
    }

    func percent(_ node: YAMLNode, field: String) -> Located<Percent>? {
        guard let s = node.scalar, !node.isNull, let p = Percent.parse(s.text) else {
            var fixIts: [FixIt] = []
            if let text = node.text, Double(text) != nil {
                fixIts.append(FixIt("add `%`", span: node.span, replacement: "\(text)%"))
            }
            sink.emit(
                .invalidPercent,
                "`\(node.text ?? node.kindDescription)` is not a percentage; write e.g. `90%`", at: node.span,
                fixIts: fixIts)
            return nil
        }
        guard (0...100).contains(p.value) else {
            sink.emit(.outOfRange, "`\(field)` must be between 0% and 100%, found \(s.text)", at: node.span)
            return nil
        }
        return Located(p, at: node.span)
    }

    /// A value from a fixed vocabulary, with a "did you mean" fix-it for near misses.
    func oneOf<E: RawRepresentable & CaseIterable>(_ node: YAMLNode, field: String, as: E.Type) -> Located<E>?
    where E.RawValue == String {
        guard let s = node.scalar, !node.isNull else {
            wrongType(node, expected: "a string", field: field)
            return nil
        }
        if let value = E(rawValue: s.text) { return Located(value, at: node.span) }
        let options = E.allCases.map(\.rawValue)
        invalidChoice(node, text: s.text, field: field, options: options)
        return nil
    }

    func invalidChoice(_ node: YAMLNode, text: String, field: String, options: [String]) {
        let list = options.map { "`\($0)`" }.joined(separator: ", ")
        if let guess = Suggestion.closest(to: text, in: options) {
            sink.emit(
                .invalidValue, "`\(text)` is not a valid \(field); did you mean `\(guess)`?", at: node.span,
                notes: [Note("expected one of \(list)")],
                fixIts: [FixIt("replace with `\(guess)`", span: node.span, replacement: guess)])
        } else {
            sink.emit(
                .invalidValue, "`\(text)` is not a valid \(field)", at: node.span,
                notes: [Note("expected one of \(list)")])
        }
    }

    func sequence(_ node: YAMLNode, field: String) -> [YAMLNode]? {
        guard let items = node.sequence else {
            wrongType(node, expected: "a list", field: field)
            return nil
        }
        return items
    }

    func strings(_ node: YAMLNode, field: String) -> [Located<String>] {
        guard let items = sequence(node, field: field) else { return [] }
        return items.compactMap { item in
            guard item.scalar != nil, !item.isNull else {
                wrongType(item, expected: "a string", field: field)
                return nil
            }
            return string(item, field: field)
        }
    }

    /// A name reference (`depends_on: [store]`); shape only, resolution happens in the checks.
    func reference(_ node: YAMLNode, field: String) -> Located<String>? {
        guard let s = node.scalar, !node.isNull else {
            wrongType(node, expected: "a name", field: field)
            return nil
        }
        return Located(s.text, at: node.span)
    }

    func references(_ node: YAMLNode, field: String) -> [Located<String>] {
        if node.scalar != nil && !node.isNull, let one = reference(node, field: field) { return [one] }
        guard let items = sequence(node, field: field) else { return [] }
        return items.compactMap { reference($0, field: field) }
    }

    func stringMap(_ node: YAMLNode, field: String) -> [String: String] {
        guard let pairs = node.mapping else {
            wrongType(node, expected: "a mapping", field: field)
            return [:]
        }
        var out: [String: String] = [:]
        for pair in pairs {
            guard let key = pair.key.text else { continue }
            guard let value = pair.value.scalar, !pair.value.isNull else {
                wrongType(pair.value, expected: "a string", field: "\(field).\(key)")
                continue
            }
            out[key] = value.text
        }
        return out
    }

    func signal(_ node: YAMLNode, field: String) -> Located<Signal>? {
        guard let s = node.scalar, !node.isNull else {
            wrongType(node, expected: "a signal name", field: field)
            return nil
        }
        guard let sig = Signal.parse(s.text) else {
            let names = Signal.known.keys.map { "SIG" + $0 }
            let guess = Suggestion.closest(to: s.text.uppercased(), in: names)
            sink.emit(
                .invalidSignal, "`\(s.text)` is not a signal" + (guess.map { "; did you mean `\($0)`?" } ?? ""),
                at: node.span,
                fixIts: guess.map { [FixIt("replace with `\($0)`", span: node.span, replacement: $0)] } ?? [])
            return nil
        }
        return Located(sig, at: node.span)
    }

    /// An http(s) URL. Templates are allowed where `allowTemplate` is set (checked elsewhere).
    func url(_ node: YAMLNode, field: String, allowTemplate: Bool = false) -> Located<String>? {
        guard let s = node.scalar, !node.isNull else {
            wrongType(node, expected: "a URL", field: field)
            return nil
        }
        if allowTemplate && s.text.contains("{{") { return Located(s.text, at: node.span) }
        guard let url = URL(string: s.text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else {
            sink.emit(.invalidURL, "`\(s.text)` is not an http:// or https:// URL", at: node.span)
            return nil
        }
        if let port = url.port, !(1...65535).contains(port) {
            sink.emit(.invalidURL, "port \(port) in `\(s.text)` is out of range", at: node.span)
            return nil
        }
        return Located(s.text, at: node.span)
    }

    /// A command as argv: a list of strings, or one string split shell-style.
    func command(_ node: YAMLNode, field: String) -> Located<Command>? {
        if let s = node.scalar, !node.isNull {
            guard let words = Command.split(s.text) else {
                sink.emit(.wrongType, "`\(field)` has an unclosed quote", at: node.span)
                return nil
            }
            guard !words.isEmpty else {
                sink.emit(.wrongType, "`\(field)` must not be empty", at: node.span)
                return nil
            }
            return Located(Command(words), at: node.span)
        }
        guard let items = node.sequence else {
            wrongType(node, expected: "a command (a list of strings or a string)", field: field)
            return nil
        }
        guard !items.isEmpty else {
            sink.emit(.wrongType, "`\(field)` must not be empty", at: node.span)
            return nil
        }
        var words: [String] = []
        for item in items {
            guard let s = item.scalar, !item.isNull, item.isQuotedOrString || Int(s.text) == nil,
                item.isQuotedOrString || (s.text != "true" && s.text != "false")
            else {
                let hint = item.text.map { " (quote it: \"\($0)\")" } ?? ""
                sink.emit(
                    .wrongType,
                    "arguments of `\(field)` must be strings, found \(item.kindDescription)\(hint)", at: item.span,
                    fixIts: item.text.map { [FixIt("quote it", span: item.span, replacement: "\"\($0)\"")] } ?? [])
                return nil
            }
            words.append(s.text)
        }
        // Point at the executable: that is what most command diagnostics are about.
        return Located(Command(words), at: items[0].span)
    }
}
