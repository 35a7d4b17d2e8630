import AsyncHTTPClient
import Foundation
import NIOCore

/// An OpenAI-compatible chat-completions client that asks for one `grace_edit` (`GraceEditSchema`): a POST of
/// `{endpoint}/chat/completions` with the system and user messages, temperature 0 and the schema as a strict
/// `response_format`. Answers the message's content, the structured edit as JSON text.
public struct ChatCompletionsClient: Sendable {
    /// The environment variable whose value, when set and not empty, is sent as `Authorization: Bearer ...`.
    public static let apiKeyVariable = "GRACE_LLM_API_KEY"
    /// The most of a response body that is read.
    static let maxResponseBytes = 4 << 20

    /// The API's base URL (`http://127.0.0.1:8080/v1`); `/chat/completions` is appended.
    public var endpoint: String
    /// The model to ask.
    public var model: String
    /// The bearer token, if any.
    public var apiKey: String?
    /// How long one request may take, answer included.
    public var timeout: Duration
    let http: HTTPClient

    /// A client of `endpoint` for `model`; the key comes from `environment[GRACE_LLM_API_KEY]`.
    public init(
        endpoint: String, model: String, environment: [String: String], timeout: Duration = .seconds(30),
        http: HTTPClient = .shared
    ) {
        self.endpoint = endpoint
        self.model = model
        self.apiKey = environment[Self.apiKeyVariable].flatMap { $0.isEmpty ? nil : $0 }
        self.timeout = timeout
        self.http = http
    }

    /// The URL requests go to.
    public var url: String {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/chat/completions"
    }

    /// The request body for `system` and `user` messages.
    public func body(system: String, user: String) throws(LLMError) -> Data {
        let request = ChatCompletionsWire.Request(
            model: model,
            messages: [.init(role: "system", content: system), .init(role: "user", content: user)],
            responseFormat: .init(
                jsonSchema: .init(name: GraceEditSchema.name, strict: true, schema: GraceEditSchema.schema)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return try encoder.encode(request)
        } catch {
            throw .invalidAnswer("the request could not be encoded: \(error)")
        }
    }

    /// Sends the messages and answers `choices[0].message.content`.
    public func complete(system: String, user: String) async throws(LLMError) -> String {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, scheme == "http" || scheme == "https",
            parsed.host != nil
        else { throw .badEndpoint(endpoint) }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: try body(system: system, user: user)))
        let status: Int
        let bytes: ByteBuffer
        do {
            let (seconds, attoseconds) = timeout.components
            let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
            let response = try await http.execute(request, timeout: .nanoseconds(nanoseconds))
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
        } catch {
            throw .transport(String(describing: error))
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(status) else {
            throw .status(status, body: String(decoding: data.prefix(300), as: UTF8.self))
        }
        return try Self.content(of: data)
    }

    /// The content of a chat-completions response body; a refusal, a missing content or malformed JSON throws.
    static func content(of data: Data) throws(LLMError) -> String {
        let response: ChatCompletionsWire.Response
        do {
            response = try JSONDecoder().decode(ChatCompletionsWire.Response.self, from: data)
        } catch {
            throw .malformedResponse(Self.describe(error))
        }
        guard let message = response.choices?.first?.message else { throw .missingContent }
        if let refusal = message.refusal, !refusal.isEmpty { throw .refusal(refusal) }
        guard let content = message.content, !content.isEmpty else { throw .missingContent }
        return content
    }

    /// A decoding error in a line.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context),
            DecodingError.valueNotFound(_, let context), DecodingError.keyNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
                .joined(separator: ".")
            return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
        default:
            return String(describing: error)
        }
    }
}
