import Foundation
import GRDB

/// A row of the `journal` table: a `JournalEntry` with its time in milliseconds and its fields as JSON text.
struct JournalRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "journal"

    var id: Int64
    var time: Int64
    var kind: String
    var kernel: String?
    var fields: String
    var previousHash: String
    var hash: String

    enum CodingKeys: String, CodingKey {
        case id, time, kind, kernel, fields, hash
        case previousHash = "previous_hash"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let time = Column(CodingKeys.time)
        static let kind = Column(CodingKeys.kind)
        static let kernel = Column(CodingKeys.kernel)
    }

    init(
        id: Int64, time: Int64, kind: String, kernel: String?, fields: String, previousHash: String, hash: String
    ) {
        self.id = id
        self.time = time
        self.kind = kind
        self.kernel = kernel
        self.fields = fields
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Inserts with a statement prepared once per connection. The record's generic `insert`, which encodes
    /// through `Encodable`, made an append a third slower (measured); the columns are those of `CodingKeys`.
    func insertPrepared(_ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO journal (id, time, kind, kernel, fields, previous_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        try statement.execute(arguments: [id, time, kind, kernel, fields, previousHash, hash])
    }

    /// The entry this row stores; a `fields` column that is not a JSON object of strings is reported, not trusted.
    func entry() throws -> JournalEntry {
        JournalEntry(
            id: id, time: StoredTime.date(time), kind: kind, kernel: kernel,
            fields: try Self.decodeFields(fields, id: id), previousHash: previousHash, hash: hash)
    }

    /// Fields as stored: a JSON object with keys in the order of their UTF-8 bytes. The hash does not depend on
    /// this text, only on the decoded dictionary. Written by hand to keep `JSONEncoder` off the crash-to-restart
    /// path.
    static func encodeFields(_ fields: [String: String]) -> String {
        if fields.isEmpty { return "{}" }
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(16 + fields.count * 24)
        for (index, field) in JournalChain.sortedByKeyBytes(fields).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(field.key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendJSONString(field.value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string literal (RFC 8259): quote, backslash and control characters escaped, the rest as UTF-8.
    private static func appendJSONString(_ string: String, to out: inout [UInt8]) {
        var string = string
        out.append(UInt8(ascii: "\""))
        string.withUTF8 { utf8 in
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0..<0x20:
                    out.append(contentsOf: Array("\\u00".utf8))
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0x0f)])
                default: out.append(byte)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func decodeFields(_ text: String, id: Int64) throws -> [String: String] {
        if text == "{}" { return [:] }
        do {
            return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        } catch {
            throw StateStoreError.corruptEntry(id: id, reason: "fields are not a JSON object of strings")
        }
    }
}
