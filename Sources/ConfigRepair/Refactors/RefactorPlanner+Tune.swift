import GraceDSL

extension RefactorPlanner {
    /// The type of a tunable field, read from how its value is written.
    enum FieldUnit {
        case percent, integer, number, duration, bytes

        init?(_ text: String) {
            if text.hasSuffix("%"), Percent.parse(text) != nil {
                self = .percent
            } else if Int(text) != nil {
                self = .integer
            } else if Double(text) != nil {
                self = .number
            } else if DurationParser.parse(text) != nil {
                self = .duration
            } else if ByteSize.parse(text) != nil {
                self = .bytes
            } else {
                return nil
            }
        }

        /// The value of `text` in this unit (seconds for durations, bytes for sizes).
        func value(_ text: String) -> Double? {
            switch self {
            case .percent: Percent.parse(text)?.value
            case .integer, .number: Double(text)
            case .duration: DurationParser.parse(text).map { Double($0.milliseconds) / 1000 }
            case .bytes: ByteSize.parse(text).map { Double($0.bytes) }
            }
        }

        /// `value` written as the DSL writes this unit.
        func text(_ value: Double) -> String {
            switch self {
            case .percent: return "\(Self.compact(value))%"
            case .integer: return String(Int(value.rounded()))
            case .number: return Self.compact(value)
            case .duration: return DurationParser.format(.milliseconds(Int64((value * 1000).rounded())))
            case .bytes:
                // Whole MiB when the value is that large, so the result reads like what people write.
                let mib = Double(1 << 20)
                let bytes = value >= mib ? (value / mib).rounded() * mib : value.rounded()
                return ByteSize(bytes: UInt64(max(0, bytes))).description
            }
        }

        private static func compact(_ value: Double) -> String {
            let rounded = (value * 100).rounded() / 100
            return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        }
    }

    /// `tune`: the field becomes the observed value plus the intent's margin, clamped into `bounds`.
    func tune(_ intent: RefactorIntent, _ context: RefactorContext, _ workspace: inout RefactorWorkspace) throws
        -> String
    {
        guard let observed = context.metricValue else {
            throw RefactorError.missingContext(intent: "tune", needs: "`metricValue`")
        }
        guard let field = intent.target.field?.value else {
            throw RefactorError.notApplicable("`tune` needs `target.field`")
        }
        let name = try targetName(intent)
        let location = try workspace.find(intent.target.kind.value, name)
        var path = YAMLPath(location)
        for key in field.split(separator: ".") { path = path.key(String(key)) }
        let current = try workspace.editor(location.file).node(at: path)
        guard let text = current.text,
            let unit = FieldUnit(text) ?? (intent.boundsMin?.text).flatMap({ FieldUnit($0) })
        else { throw RefactorError.notApplicable("\(field) of \(name) is not a number, size, duration or percent") }
        var value = observed * (1 + (intent.from?.margin?.value ?? 0) / 100)
        var note = ""
        if let low = intent.boundsMin?.text.flatMap(unit.value), value < low {
            value = low
            note = " (clamped to bounds.min)"
        }
        if let high = intent.boundsMax?.text.flatMap(unit.value), value > high {
            value = high
            note = " (clamped to bounds.max)"
        }
        let newText = unit.text(value)
        guard newText != text else { throw RefactorError.noChange("\(field) of \(name) is already \(text)") }
        try workspace.apply(location.file) { try $0.setValue(at: path, to: .plain(newText)) }
        return "set \(field) of \(intent.target.kind.value.rawValue) `\(name)` from \(text) to \(newText)\(note)"
    }
}
