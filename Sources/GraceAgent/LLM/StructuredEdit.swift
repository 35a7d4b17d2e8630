/// A language model's answer: one change of the configuration as structural edits, each addressed by file and
/// YAML path. Decoding checks only the shape; `StructuredEditApplier` decides whether the edits may be made.
public struct StructuredEdit: Sendable, Hashable, Decodable {
    /// What an edit does to the node at its path.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        /// Replaces the scalar at `path` with `value`.
        case set
        /// Adds `key: value` to the mapping at `path`.
        case addKey = "add_key"
        /// Removes `key` from the mapping at `path`.
        case removeKey = "remove_key"
        /// Appends `value` to the sequence at `path`.
        case appendItem = "append_item"
        /// Removes the sequence item at `path` (whose last step is an index).
        case removeItem = "remove_item"
    }

    /// One step of a path: a key or a position (the first step is the document's index in the file).
    public enum Step: Sendable, Hashable, Decodable, CustomStringConvertible {
        case key(String)
        case index(Int)

        /// A string or an integer.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let index = try? container.decode(Int.self) {
                self = .index(index)
            } else {
                self = .key(try container.decode(String.self))
            }
        }

        /// `name` or `3`.
        public var description: String {
            switch self {
            case .key(let key): key
            case .index(let index): String(index)
            }
        }
    }

    /// One edit as the model wrote it; `operation` stays text so that an unknown one can be named in the refusal.
    public struct Edit: Sendable, Hashable, Decodable {
        /// The file's path as the prompt named it.
        public var file: String
        /// One of `Operation`'s raw values (anything else is refused).
        public var operation: String
        /// The document's index, then keys and indices.
        public var path: [Step]
        /// The key `add_key` and `remove_key` name.
        public var key: String?
        /// The scalar text `set`, `add_key` and `append_item` write.
        public var value: String?

        /// An edit of `file`.
        public init(file: String, operation: String, path: [Step], key: String? = nil, value: String? = nil) {
            self.file = file
            self.operation = operation
            self.path = path
            self.key = key
            self.value = value
        }
    }

    /// One line: what changes and why.
    public var summary: String
    /// The edits, applied in order (each to the file as the ones before it left it).
    public var edits: [Edit]

    /// An answer of `edits`.
    public init(summary: String, edits: [Edit]) {
        self.summary = summary
        self.edits = edits
    }
}
