// GraceAPIModels: the HTTP API's request and response bodies as Codable values, shared by the server (GraceAPI)
// and its clients (the `grace` CLI), so that both sides read and write the same types. Foundation only.
import Foundation

/// The API's JSON conventions in one place: snake_case keys (each type's `CodingKeys`), times as ISO 8601 UTC
/// with milliseconds, every documented key present (`null` when there is no value). The server writes bodies with
/// `StreamingJSONEncoder` (keys in the contract's order, one pass); `encoder()` is for clients that print them.
public enum APIJSON {
    /// Foundation's encoder set up for the API's JSON (sorted keys, unescaped slashes, `APITime` dates, non-finite
    /// numbers as the strings `Infinity`, `-Infinity` and `NaN` rather than failing), for indented output.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(APITime.format(date))
        }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// A decoder for the API's JSON; a time that is not `APITime`'s format fails with a `DecodingError`.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = APITime.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "`\(text.prefix(40))` is not an ISO 8601 UTC time")
            }
            return date
        }
        return decoder
    }

    /// One line of JSON (what an SSE `data:` line carries), keys in the contract's order.
    public static func line<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try StreamingJSONEncoder().encode(value), as: UTF8.self)
    }
}

/// ISO 8601 UTC with milliseconds, as the API writes times: `2026-11-26T13:05:01.123Z`.
public enum APITime {
    /// The API's text for `date`, truncated (not rounded) to the millisecond.
    public static func format(_ date: Date) -> String {
        let totalMS = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(totalMS >= 0 ? totalMS / 1000 : (totalMS - 999) / 1000)
        let ms = Int(totalMS - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Digits by hand: `String(format:)` goes through Foundation's formatter, and every event and kernel the
        // API answers with carries times.
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = max(0, value)
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        out.append(UInt8(ascii: "."))
        digits(ms, 3)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads `format`'s output back (fractional seconds optional, `Z` required).
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard bytes[i] >= 48, bytes[i] <= 57 else { return nil }
                value = value * 10 + Int(bytes[i] - 48)
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), let digits = number(20..<(bytes.count - 1)) else { return nil }
            fraction = Double(digits) / pow(10, Double(bytes.count - 21))
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        guard seconds != -1 || (year == 1969 && month == 12 && day == 31) else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
