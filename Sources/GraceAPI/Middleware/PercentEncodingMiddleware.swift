import Hummingbird

/// A path or query with a malformed percent-escape is a 400 whatever it names, before anything reads it.
struct PercentEncodingMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        for segment in request.uri.path.split(separator: "/") where String(segment).removingPercentEncoding == nil {
            throw APIError.badRequest("the path has a malformed percent-escape: \(segment.prefix(80))")
        }
        _ = try QueryParameters(request)
        return try await next(request, context)
    }
}
