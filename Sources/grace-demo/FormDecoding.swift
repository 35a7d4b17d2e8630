/// `a=1&b=x+y%21` -> ["a": "1", "b": "x y!"]; nil on a bad escape. A repeated name keeps the last value.
func decodeForm<S: StringProtocol>(_ text: S) -> [String: String]? {
    func decode(_ part: Substring) -> String? {
        var bytes: [UInt8] = [], input = Array(part.utf8)[...]
        while let byte = input.popFirst() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard input.count >= 2, let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16)
                else {
                    return nil
                }
                bytes.append(value)
                input = input.dropFirst(2)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    var values: [String: String] = [:]
    for pair in String(text).split(separator: "&") {
        let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard let key = decode(halves[0]), let value = decode(halves.count > 1 ? halves[1] : "") else { return nil }
        values[key] = value
    }
    return values
}
