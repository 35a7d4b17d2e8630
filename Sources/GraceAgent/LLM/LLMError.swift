/// Why the language-model planner proposed nothing: the request failed, the answer was unusable, or its edits
/// were refused. Each case reads as one line for the journal.
public enum LLMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The planner is not configured for this tree (`agent.planner` is not `llm`, or no endpoint or model).
    case notConfigured(String)
    /// The endpoint is not a usable URL.
    case badEndpoint(String)
    /// The request did not get an answer (connection refused, timeout, ...).
    case transport(String)
    /// The server answered with a status other than 2xx; `body` is the start of what it said.
    case status(Int, body: String)
    /// The response body is not a chat-completions JSON object.
    case malformedResponse(String)
    /// The response has no `choices[0].message.content`.
    case missingContent
    /// The model declined (`message.refusal`).
    case refusal(String)
    /// The content is not the structured edit the schema describes.
    case invalidAnswer(String)
    /// The structured edit was well-formed but may not be made.
    case refusedEdit(String)

    /// A line for the journal.
    public var description: String {
        switch self {
        case .notConfigured(let why): "the language-model planner is not configured: \(why)"
        case .badEndpoint(let endpoint): "agent.endpoint is not a usable URL: \(endpoint)"
        case .transport(let why): "the model's endpoint did not answer: \(why)"
        case .status(let status, let body):
            "the model's endpoint answered HTTP \(status)" + (body.isEmpty ? "" : ": \(body)")
        case .malformedResponse(let why): "the model's endpoint answered malformed JSON: \(why)"
        case .missingContent: "the model's answer has no choices[0].message.content"
        case .refusal(let text): "the model refused: \(text)"
        case .invalidAnswer(let why): "the model's answer is not a grace_edit: \(why)"
        case .refusedEdit(let why): "the model's edit was refused: \(why)"
        }
    }
}
