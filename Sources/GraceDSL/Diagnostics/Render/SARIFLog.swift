/// The subset of the SARIF 2.1.0 object model that `SARIFDiagnosticRenderer` writes, as Codable values so the
/// shape of the log is checked by the compiler. Property names are SARIF's; optional properties left nil are
/// omitted.
struct SARIFLog: Codable, Sendable, Hashable {
    var schema = "https://json.schemastore.org/sarif-2.1.0.json"
    var version = "2.1.0"
    var runs: [Run]

    enum CodingKeys: String, CodingKey {
        case schema = "$schema"
        case version
        case runs
    }

    struct Run: Codable, Sendable, Hashable {
        var tool: Tool
        /// The unit of columns and character offsets; Grace counts Unicode scalars.
        var columnKind: String
        var results: [Result]
    }

    struct Tool: Codable, Sendable, Hashable {
        var driver: Driver
    }

    struct Driver: Codable, Sendable, Hashable {
        var name: String
        var version: String
        var informationUri: String
        var rules: [Rule]
    }

    struct Rule: Codable, Sendable, Hashable {
        var id: String
        var name: String
        var shortDescription: Message
        var defaultConfiguration: Configuration
        var helpUri: String
    }

    struct Configuration: Codable, Sendable, Hashable {
        var level: String
    }

    struct Message: Codable, Sendable, Hashable {
        var text: String
    }

    struct Result: Codable, Sendable, Hashable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Message
        var locations: [Location]
        var relatedLocations: [Location]?
        var fixes: [Fix]?
    }

    struct Location: Codable, Sendable, Hashable {
        var id: Int?
        var message: Message?
        var physicalLocation: PhysicalLocation
    }

    struct PhysicalLocation: Codable, Sendable, Hashable {
        var artifactLocation: ArtifactLocation
        var region: Region
    }

    struct ArtifactLocation: Codable, Sendable, Hashable {
        var uri: String
    }

    /// Columns are 1-based and `endColumn` is exclusive, as in `SourceSpan`. Character offsets need the file's
    /// text and are omitted without it; byte offsets are always known.
    struct Region: Codable, Sendable, Hashable {
        var startLine: Int
        var startColumn: Int
        var endLine: Int
        var endColumn: Int
        var charOffset: Int?
        var charLength: Int?
        var byteOffset: Int
        var byteLength: Int
    }

    struct Fix: Codable, Sendable, Hashable {
        var description: Message
        var artifactChanges: [ArtifactChange]
    }

    struct ArtifactChange: Codable, Sendable, Hashable {
        var artifactLocation: ArtifactLocation
        var replacements: [Replacement]
    }

    struct Replacement: Codable, Sendable, Hashable {
        var deletedRegion: Region
        var insertedContent: ArtifactContent
    }

    struct ArtifactContent: Codable, Sendable, Hashable {
        var text: String
    }
}
