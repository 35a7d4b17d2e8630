import Foundation
import GraceAPIModels
import HTTPTypes
import Hummingbird
import NIOCore

/// Encodes what a route returns as the API's JSON (see `APIJSON`), one line with a newline at the end, not to be
/// cached and not to be sniffed.
struct APIResponseEncoder: ResponseEncoder {
    func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws
        -> Response
    {
        try Self.response(.ok, value)
    }

    static let headers: HTTPFields = [
        .contentType: "application/json; charset=utf-8", .cacheControl: "no-store", .xContentTypeOptions: "nosniff",
    ]

    /// A JSON response with `status`.
    static func response(_ status: HTTPResponse.Status, _ value: some Encodable, extra: HTTPFields = [:]) throws
        -> Response
    {
        var data = try StreamingJSONEncoder().encode(value)
        data.append(UInt8(ascii: "\n"))
        var headers = Self.headers
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Decodes a JSON body; what does not fit is a 400 that names the member and the reason.
struct APIRequestDecoder: RequestDecoder {
    func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext)
        async throws -> T
    {
        try Self.decode(type, from: try await BodyReader.collect(request, limit: context.maxUploadSize))
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(APIError) -> T {
        do {
            return try APIJSON.decoder().decode(type, from: data)
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

/// A request's body, bounded, and checked against the members an endpoint takes.
enum BodyReader {
    static func collect(_ request: Request, limit: Int) async throws(APIError) -> Data {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw .tooLarge(limit)
        }
        var data = Data()
        do {
            for try await buffer in request.body {
                guard data.count + buffer.readableBytes <= limit else { throw APIError.tooLarge(limit) }
                data.append(contentsOf: buffer.readableBytesView)
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw .badRequest("the body could not be read: \(error)")
        }
        return data
    }

    /// The body, which must be empty or a JSON object with no members but `allowed`.
    static func object(_ request: Request, allowed: Set<String>, limit: Int) async throws(APIError) -> Data {
        let data = try await collect(request, limit: limit)
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return Data() }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw .badRequest("the body is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw .badRequest("the body must be a JSON object") }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest("unknown member `\(unknown.prefix(60))` in the body")
        }
        return data
    }
}
