/// Typed, range-checked access to a fault's parameters; every failure is a 400 with a message that says why.
struct FaultParameters {
    let values: [String: String]

    init(_ values: [String: String], allowed: [String], fault: String) throws(FaultError) {
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) && $0 != "after" }) {
            let names = (allowed + ["after"]).joined(separator: ", ")
            throw FaultError("unknown parameter '\(unknown)' for \(fault); it takes \(names)")
        }
        self.values = values
    }

    func int(_ key: String, _ range: ClosedRange<Int>) throws(FaultError) -> Int? {
        guard let text = values[key] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw FaultError("\(key) must be an integer \(range.lowerBound)-\(range.upperBound), not '\(text)'")
        }
        return value
    }

    func seconds(_ key: String, _ range: ClosedRange<Double>) throws(FaultError) -> Double? {
        guard let text = values[key] else { return nil }
        guard let value = parseSeconds(text), range.contains(value) else {
            throw FaultError(
                "\(key) must be a duration from \(range.lowerBound)s to \(Int(range.upperBound))s "
                    + "(like 100ms, 2s, 5m), not '\(text)'")
        }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) throws(FaultError) -> T
    where T.RawValue == String {
        guard let text = values[key] else { return value }
        guard let choice = T(rawValue: text) else {
            throw FaultError(
                "\(key) must be one of \(T.allCases.map(\.rawValue).joined(separator: "|")), not '\(text)'")
        }
        return choice
    }
}
