import HTTPTypes
import Hummingbird

/// Who may do what, once a request has matched an endpoint: writes need the bearer token, and so do reads when
/// the API listens beyond loopback. On loopback, reads are public, so the request must name a loopback host: a
/// page on another site that rebinds its name to 127.0.0.1 must not read them (DNS rebinding).
struct AccessMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let token: APIToken
    /// GET needs the token too (the API listens beyond loopback).
    let readsNeedToken: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        // Not found (and wrong method): answered as such, whoever asks.
        guard context.endpointPath != nil else { return try await next(request, context) }
        // A load balancer's role check (any method) says only which instance leads, as Patroni's `/primary` does:
        // public, so that HAProxy needs neither the token nor a loopback `Host`.
        if context.endpointPath == "/v1/role" { return try await next(request, context) }
        if !readsNeedToken, let host = request.head.authority, !Self.isLoopbackHost(host) {
            throw APIError.forbidden("this API answers requests to a loopback host only, not \(host.prefix(100))")
        }
        if request.method != .get || readsNeedToken {
            let authorization = request.headers[.authorization]
            guard token.accepts(authorization: authorization) else {
                throw APIError.unauthorized(
                    authorization != nil
                        ? "the bearer token is wrong (it is in \(token.path))"
                        : "this endpoint needs `Authorization: Bearer <token>` (the token is in \(token.path))")
            }
        }
        return try await next(request, context)
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
}
