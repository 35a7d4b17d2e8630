/// The parts of OpenAI's chat-completions request and response the planner uses.
enum ChatCompletionsWire {
    struct Message: Codable, Sendable {
        var role: String
        var content: String
    }

    struct JSONSchemaFormat: Encodable, Sendable {
        var name: String
        var strict: Bool
        var schema: JSONValue
    }

    struct ResponseFormat: Encodable, Sendable {
        var type = "json_schema"
        var jsonSchema: JSONSchemaFormat

        enum CodingKeys: String, CodingKey {
            case type
            case jsonSchema = "json_schema"
        }
    }

    struct Request: Encodable, Sendable {
        var model: String
        var messages: [Message]
        var temperature: Double = 0
        var responseFormat: ResponseFormat

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature
            case responseFormat = "response_format"
        }
    }

    struct Response: Decodable, Sendable {
        struct Choice: Decodable, Sendable {
            var message: AnswerMessage?
        }

        struct AnswerMessage: Decodable, Sendable {
            var content: String?
            var refusal: String?
        }

        var choices: [Choice]?
    }
}
