import Foundation

/// The manifest file format. `time_ms` (milliseconds since 1970) is authoritative so that a manifest reads back
/// equal to the value written; `time` is the same instant in ISO 8601 for people reading the file. Chunk names
/// are checked on the way in, because they become file names in the store.
extension SnapshotManifest: Codable {
    static let format = 1

    enum CodingKeys: String, CodingKey {
        case format, id, kernel, time, tag, good, paths, files, skipped
        case timeMilliseconds = "time_ms"
    }

    /// Reads a manifest file; throws `DecodingError` for another format version, a missing key, or a chunk name that
    /// is not 64 hex digits.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let format = try container.decodeIfPresent(Int.self, forKey: .format) ?? Self.format
        guard format == Self.format else {
            throw DecodingError.dataCorruptedError(
                forKey: .format, in: container, debugDescription: "unknown manifest format \(format)")
        }
        id = try container.decode(String.self, forKey: .id)
        kernel = try container.decode(String.self, forKey: .kernel)
        let milliseconds = try container.decode(Int64.self, forKey: .timeMilliseconds)
        time = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        tag = try container.decodeIfPresent(String.self, forKey: .tag)
        good = try container.decode(Bool.self, forKey: .good)
        paths = try container.decode([String].self, forKey: .paths)
        files = try container.decode([Entry].self, forKey: .files)
        skipped = try container.decodeIfPresent([Skipped].self, forKey: .skipped) ?? []
        for entry in files {
            for chunk in entry.chunks where !ChunkStore.isHash(chunk) {
                throw DecodingError.dataCorruptedError(
                    forKey: .files, in: container,
                    debugDescription: "\(entry.path): \(String(reflecting: chunk)) is not a SHA-256 chunk name")
            }
        }
    }

    /// Writes the current format, with `time_ms` and the ISO 8601 `time` beside it.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.format, forKey: .format)
        try container.encode(id, forKey: .id)
        try container.encode(kernel, forKey: .kernel)
        try container.encode(SnapshotTime.iso8601(time), forKey: .time)
        try container.encode(SnapshotTime.milliseconds(time), forKey: .timeMilliseconds)
        try container.encodeIfPresent(tag, forKey: .tag)
        try container.encode(good, forKey: .good)
        try container.encode(paths, forKey: .paths)
        try container.encode(files, forKey: .files)
        try container.encode(skipped, forKey: .skipped)
    }
}
