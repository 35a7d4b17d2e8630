/// The structured edit a language model answers with, as the JSON schema of the request's `response_format`
/// (OpenAI's strict structured outputs: every property required, no others allowed, nullable as `[T, "null"]`).
///
/// ```json
/// {"summary": "...", "edits": [{"file": "config/kernels.yaml", "operation": "set",
///   "path": [0, "restart", "policy"], "key": null, "value": "always"}]}
/// ```
public enum GraceEditSchema {
    /// The schema's name in `response_format.json_schema.name`.
    public static let name = "grace_edit"

    /// The most edits one answer may carry; an answer with more is refused whole.
    public static let maxEdits = 20

    /// The operations an edit may name, as `StructuredEdit.Operation` spells them.
    public static var operations: [String] { StructuredEdit.Operation.allCases.map(\.rawValue) }

    /// The schema of the answer.
    public static var schema: JSONValue {
        let nullableString: JSONValue = .object(["type": .array([.string("string"), .string("null")])])
        let edit: JSONValue = .object([
            "type": .string("object"),
            "additionalProperties": .bool(false),
            "required": .array(["file", "operation", "path", "key", "value"].map(JSONValue.string)),
            "properties": .object([
                "file": .object([
                    "type": .string("string"),
                    "description": .string("the file's path exactly as the prompt names it"),
                ]),
                "operation": .object([
                    "type": .string("string"),
                    "enum": .array(operations.map(JSONValue.string)),
                ]),
                "path": .object([
                    "type": .string("array"),
                    "description": .string(
                        "the document's index in the file (0 for the first), then the keys and sequence indices "
                            + "leading to the node"),
                    "items": .object([
                        "anyOf": .array([.object(["type": .string("string")]), .object(["type": .string("integer")])])
                    ]),
                ]),
                "key": nullableString,
                "value": nullableString,
            ]),
        ])
        return .object([
            "type": .string("object"),
            "additionalProperties": .bool(false),
            "required": .array([.string("summary"), .string("edits")]),
            "properties": .object([
                "summary": .object([
                    "type": .string("string"),
                    "description": .string("one line: what changes and why"),
                ]),
                "edits": .object(["type": .string("array"), "items": edit]),
            ]),
        ])
    }
}
