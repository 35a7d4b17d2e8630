import Foundation

/// Decodes a JSON body into a type; what does not fit is a 400 that names the member and the reason.
enum BodyDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(APIError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw .badRequest(describe(error))
        } catch {
            throw .badRequest("the body is not valid JSON")
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? "the body" : "`\(path.prefix(80))`"
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context): "\(path(context)) has the wrong type: \(context.debugDescription)"
        case .valueNotFound(_, let context): "\(path(context)) must not be null"
        case .keyNotFound(let key, let context):
            "\(path(context)) lacks the member `\(key.stringValue)`"
        case .dataCorrupted(let context):
            context.codingPath.isEmpty ? "the body is not valid JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default: "the body does not match the expected JSON"
        }
    }
}
