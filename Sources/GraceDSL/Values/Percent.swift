/// A percentage from 0 to 100, written `90%`.
public struct Percent: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var value: Double

    public init(_ value: Double) {
        self.value = value
    }

    /// Returns nil when `text` is not `N%`; the range is checked by the caller so it can say so.
    public static func parse(_ text: String) -> Percent? {
        guard text.hasSuffix("%") else { return nil }
        let number = text.dropLast()
        guard !number.isEmpty, number.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "." }),
            let value = Double(number), value.isFinite
        else { return nil }
        return Percent(value)
    }

    public var description: String {
        value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }

    public static func < (lhs: Percent, rhs: Percent) -> Bool { lhs.value < rhs.value }
}
