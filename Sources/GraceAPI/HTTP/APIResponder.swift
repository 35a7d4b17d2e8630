import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Runtime

/// Answers every request: rate limit, route (404/405), authorization, body limit, then the endpoint. Every
/// failure becomes the contract's JSON error envelope; nothing a client sends can crash Grace.
public struct APIResponder: HTTPResponder {
    public typealias Context = APIRequestContext

    let handlers: APIHandlers
    let token: APIToken
    /// GET needs the token too (the API listens beyond loopback).
    let readsNeedToken: Bool
    let limiter: RateLimiter
    let broadcaster: EventBroadcaster
    let bodyLimit: Int
    let logger: Logger

    public func respond(to request: Request, context: Context) async throws -> Response {
        let method = request.method.rawValue
        let label = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"].contains(method) ? method : "OTHER"
        let response: Response
        do {
            response = try await answer(request, context: context)
        } catch let error as APIError {
            response = Self.response(for: error)
        } catch {
            logger.error("api: \(method) \(request.uri.path.prefix(200)) failed: \(error)")
            response = Self.response(for: .internal("the request failed: \(error)"))
        }
        handlers.metrics.request(method: label, status: response.status.code)
        return response
    }

    private func answer(_ request: Request, context: Context) async throws -> Response {
        let isRead = request.method == .get
        if let wait = await limiter.admit(client: context.client, kind: isRead ? .read : .write) {
            throw APIError.rateLimited(retryAfter: wait)
        }
        let parsed = try APIRequest.parse(path: request.uri.path, query: request.uri.query)
        guard let byMethod = Endpoint.match(parsed.segments) else {
            throw APIError.notFound("no such endpoint: \(request.uri.path.prefix(200))")
        }
        guard let endpoint = byMethod[request.method.rawValue] else {
            throw APIError.methodNotAllowed(request.method.rawValue, allowed: byMethod.keys.sorted())
        }
        // On loopback, reads are public: a page on another site that rebinds its name to 127.0.0.1 must not
        // read them, so the request has to name a loopback host.
        if !readsNeedToken, let host = request.head.authority, !Self.isLoopbackHost(host) {
            throw APIError(
                .forbidden, "forbidden", "this API answers requests to a loopback host only, not \(host.prefix(100))")
        }
        if !isRead || readsNeedToken {
            guard token.accepts(authorization: request.headers[.authorization]) else {
                let presented = request.headers[.authorization] != nil
                throw APIError.unauthorized(
                    presented
                        ? "the bearer token is wrong (it is in \(token.path))"
                        : "this endpoint needs `Authorization: Bearer <token>` (the token is in \(token.path))")
            }
        }
        var body = Data()
        if !isRead {
            body = try await collectBody(request)
        }
        let apiRequest = APIRequest(
            method: request.method, segments: parsed.segments, query: parsed.query, headers: request.headers,
            body: body, client: context.client)
        let reply = try await handlers.handle(endpoint, apiRequest)
        return try await response(for: reply)
    }

    /// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
    static func isLoopbackHost(_ authority: String) -> Bool {
        var host = authority.lowercased()
        if host.hasPrefix("[") {
            host = String(host.dropFirst().prefix { $0 != "]" })
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        return host == "localhost" || host.hasSuffix(".localhost") || host == "::1"
            || (host.hasPrefix("127.") && host.split(separator: ".").count == 4
                && host.allSatisfy { $0.isNumber || $0 == "." })
    }

    private func collectBody(_ request: Request) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > bodyLimit {
            throw APIError.tooLarge(bodyLimit)
        }
        var data = Data()
        for try await buffer in request.body {
            guard data.count + buffer.readableBytes <= bodyLimit else { throw APIError.tooLarge(bodyLimit) }
            data.append(contentsOf: buffer.readableBytesView)
        }
        return data
    }

    static func jsonResponse(_ status: HTTPResponse.Status, _ json: JSON, extra: [(HTTPField.Name, String)] = [])
        -> Response
    {
        var headers: HTTPFields = [
            .contentType: "application/json; charset=utf-8", .cacheControl: "no-store", .xContentTypeOptions: "nosniff",
        ]
        for (name, value) in extra { headers[name] = value }
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json.serialized + "\n")))
    }

    static func response(for error: APIError) -> Response {
        jsonResponse(error.status, error.body, extra: error.headers)
    }

    private func response(for reply: APIReply) async throws -> Response {
        switch reply {
        case .json(let status, let json):
            return Self.jsonResponse(status, json)
        case .file(let contentType, let data):
            return Response(
                status: .ok,
                headers: [.contentType: contentType, .cacheControl: "no-cache", .xContentTypeOptions: "nosniff"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        case .text(let contentType, let text):
            return Response(
                status: .ok, headers: [.contentType: contentType, .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        case .eventStream(let after, let kernel, let kinds):
            return try await eventStream(after: after, kernel: kernel, kinds: kinds)
        }
    }

    /// The live stream: subscribe first (so nothing is missed), replay from the journal after `after`, then
    /// pass on live entries newer than the last one sent.
    private func eventStream(after: Int64?, kernel: String?, kinds: [String]) async throws -> Response {
        let broadcaster = broadcaster
        let store = handlers.store
        let logger = logger
        let kindSet = Set(kinds)
        guard let (id, items) = await broadcaster.subscribe() else {
            throw APIError.unavailable("too many event streams are open; try again later")
        }
        let body = ResponseBody { writer in
            do {
                try await writer.write(ByteBuffer(string: ": connected\n\n"))
                var last = after ?? 0
                if let after {
                    last = after
                    while true {
                        let page = try store.events(
                            after: last, limit: 500, kernel: kernel, kinds: kinds.isEmpty ? nil : kinds)
                        for entry in page {
                            try await writer.write(ByteBuffer(string: APIHandlers.sseMessage(entry)))
                            last = entry.id
                        }
                        if page.count < 500 { break }
                    }
                }
                for await item in items {
                    switch item {
                    case .entry(let entry):
                        guard entry.id > last else { continue }
                        last = entry.id
                        if let kernel, entry.kernel != kernel { continue }
                        if !kindSet.isEmpty, !kindSet.contains(entry.kind) { continue }
                        try await writer.write(ByteBuffer(string: APIHandlers.sseMessage(entry)))
                    case .keepAlive:
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
            } catch {
                logger.debug("api: event stream ended: \(error)")
            }
            await broadcaster.unsubscribe(id)
            try? await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
            body: body)
    }
}
