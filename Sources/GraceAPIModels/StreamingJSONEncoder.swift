import Foundation

/// Encodes `Encodable` values to one line of JSON in a single pass: keys in the order each type's `encode(to:)`
/// writes them (the API's contract order), dictionary keys sorted, times as `APITime`, non-finite numbers as
/// `null`.
///
/// Not Foundation's `JSONEncoder`: that one builds a tree of every value first, then writes it out (and sorts keys
/// for stable output), which made `GET /v1/kernels` a third slower than the hand-written JSON the server had before
/// its bodies became Codable (bench/RESULTS.md). The API's types encode flat, in order, with no super-encoders, so
/// writing as they go is enough; a type that asks for something this encoder does not do is told with a thrown
/// `EncodingError`, not encoded wrongly.
public struct StreamingJSONEncoder: Sendable {
    /// An encoder; it holds no state between values.
    public init() {}

    /// The value as UTF-8 JSON, without a trailing newline.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let writer = JSONStreamWriter()
        try writer.write(value, codingPath: [])
        return writer.bytes
    }
}

/// A dictionary with string keys, which the encoder writes with its keys sorted (stable output; `Dictionary`'s own
/// `encode(to:)` would follow its hash order).
protocol SortedKeysEncodable {
    func encodeSorted(into writer: JSONStreamWriter, codingPath: [any CodingKey]) throws
}

extension Dictionary: SortedKeysEncodable where Key == String, Value: Encodable {
    func encodeSorted(into writer: JSONStreamWriter, codingPath: [any CodingKey]) throws {
        writer.bytes.append(UInt8(ascii: "{"))
        for (index, key) in keys.sorted().enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            writer.writeString(key)
            writer.bytes.append(UInt8(ascii: ":"))
            if let value = self[key] { try writer.write(value, codingPath: codingPath + [StringKey(key)]) }
        }
        writer.bytes.append(UInt8(ascii: "}"))
    }
}

/// The output and the containers open in it.
final class JSONStreamWriter {
    struct Frame {
        var isObject: Bool
        var count = 0
    }

    var bytes: [UInt8] = []
    var frames: [Frame] = []

    init() {
        bytes.reserveCapacity(512)
    }

    /// Writes one value: scalars and strings directly, anything else through its `encode(to:)`, whose containers
    /// are closed when it returns.
    func write<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws {
        switch value {
        case let string as String: writeString(string)
        case let bool as Bool: bytes.append(contentsOf: bool ? Array("true".utf8) : Array("false".utf8))
        case let int as Int: bytes.append(contentsOf: String(int).utf8)
        case let int as Int64: bytes.append(contentsOf: String(int).utf8)
        case let int as Int32: bytes.append(contentsOf: String(int).utf8)
        case let int as UInt64: bytes.append(contentsOf: String(int).utf8)
        case let double as Double: writeDouble(double)
        case let date as Date: writeString(APITime.format(date))
        case let dictionary as SortedKeysEncodable: try dictionary.encodeSorted(into: self, codingPath: codingPath)
        default:
            let depth = frames.count
            let start = bytes.count
            try value.encode(to: StreamEncoder(writer: self, codingPath: codingPath))
            close(downTo: depth)
            if bytes.count == start { bytes.append(contentsOf: Array("{}".utf8)) }
        }
    }

    /// Closes every container opened above `depth`.
    func close(downTo depth: Int) {
        while frames.count > depth {
            bytes.append(frames.removeLast().isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    func open(object: Bool) -> Int {
        bytes.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        frames.append(Frame(isObject: object))
        return frames.count - 1
    }

    /// Before the next member of the container at `index`: closes containers nested in it that are still open, and
    /// writes the separator.
    func beginMember(of index: Int, key: String?) {
        close(downTo: index + 1)
        if frames[index].count > 0 { bytes.append(UInt8(ascii: ",")) }
        frames[index].count += 1
        if let key {
            writeString(key)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    func writeDouble(_ value: Double) {
        guard value.isFinite else {
            bytes.append(contentsOf: Array("null".utf8))
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string: quote, backslash and control characters escaped, and U+2028/U+2029 too (JavaScript
    /// readers); the rest as UTF-8.
    func writeString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case "\\": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case "\n": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case "\r": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case "\t": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case "\u{2028}": bytes.append(contentsOf: Array("\\u2028".utf8))
            case "\u{2029}": bytes.append(contentsOf: Array("\\u2029".utf8))
            default:
                if scalar.value < 0x20 {
                    bytes.append(contentsOf: Array("\\u00".utf8))
                    bytes.append(Self.hex[Int(scalar.value >> 4)])
                    bytes.append(Self.hex[Int(scalar.value & 0xf)])
                } else {
                    bytes.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// A coding key made from a string (dictionary keys in coding paths).
struct StringKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ string: String) {
        stringValue = string
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        nil
    }
}

private struct StreamEncoder: Encoder {
    let writer: JSONStreamWriter
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(
            KeyedContainer<Key>(writer: writer, index: writer.open(object: true), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedContainer(writer: writer, index: writer.open(object: false), codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(writer: writer, codingPath: codingPath)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: JSONStreamWriter
    let index: Int
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        writer.beginMember(of: index, key: key.stringValue)
        writer.bytes.append(contentsOf: Array("null".utf8))
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        writer.beginMember(of: index, key: key.stringValue)
        try writer.write(value, codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        writer.beginMember(of: index, key: key.stringValue)
        return KeyedEncodingContainer(
            KeyedContainer<NestedKey>(writer: writer, index: writer.open(object: true), codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        writer.beginMember(of: index, key: key.stringValue)
        return UnkeyedContainer(writer: writer, index: writer.open(object: false), codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        UnsupportedEncoder(codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        UnsupportedEncoder(codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let writer: JSONStreamWriter
    let index: Int
    let codingPath: [any CodingKey]
    var count: Int { writer.frames.indices.contains(index) ? writer.frames[index].count : 0 }

    mutating func encodeNil() throws {
        writer.beginMember(of: index, key: nil)
        writer.bytes.append(contentsOf: Array("null".utf8))
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        writer.beginMember(of: index, key: nil)
        try writer.write(value, codingPath: codingPath)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        writer.beginMember(of: index, key: nil)
        return KeyedEncodingContainer(
            KeyedContainer<NestedKey>(writer: writer, index: writer.open(object: true), codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        writer.beginMember(of: index, key: nil)
        return UnkeyedContainer(writer: writer, index: writer.open(object: false), codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        UnsupportedEncoder(codingPath: codingPath)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let writer: JSONStreamWriter
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws {
        writer.bytes.append(contentsOf: Array("null".utf8))
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try writer.write(value, codingPath: codingPath)
    }
}

/// What a super-encoder request gets: every use throws, saying this encoder does not do it.
private struct UnsupportedEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(ThrowingKeyed<Key>(codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { ThrowingUnkeyed(codingPath: codingPath) }

    func singleValueContainer() -> any SingleValueEncodingContainer { ThrowingSingle(codingPath: codingPath) }
}

private func unsupported(_ path: [any CodingKey]) -> EncodingError {
    EncodingError.invalidValue(
        (), .init(codingPath: path, debugDescription: "super-encoders are not supported by StreamingJSONEncoder"))
}

private struct ThrowingKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let codingPath: [any CodingKey]
    mutating func encodeNil(forKey key: Key) throws { throw unsupported(codingPath) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw unsupported(codingPath) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    { KeyedEncodingContainer(ThrowingKeyed<NestedKey>(codingPath: codingPath)) }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ThrowingUnkeyed(codingPath: codingPath)
    }
    mutating func superEncoder() -> any Encoder { UnsupportedEncoder(codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { UnsupportedEncoder(codingPath: codingPath) }
}

private struct ThrowingUnkeyed: UnkeyedEncodingContainer {
    let codingPath: [any CodingKey]
    var count: Int { 0 }
    mutating func encodeNil() throws { throw unsupported(codingPath) }
    mutating func encode<T: Encodable>(_ value: T) throws { throw unsupported(codingPath) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    { KeyedEncodingContainer(ThrowingKeyed<NestedKey>(codingPath: codingPath)) }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { ThrowingUnkeyed(codingPath: codingPath) }
    mutating func superEncoder() -> any Encoder { UnsupportedEncoder(codingPath: codingPath) }
}

private struct ThrowingSingle: SingleValueEncodingContainer {
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { throw unsupported(codingPath) }
    mutating func encode<T: Encodable>(_ value: T) throws { throw unsupported(codingPath) }
}
