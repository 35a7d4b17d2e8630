import Hummingbird

/// Per-client token buckets, reads and writes apart: over the rate is a 429 with `Retry-After`.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let kind: RateLimiter.Kind = request.method == .get ? .read : .write
        if let wait = limiter.admit(client: context.client, kind: kind) {
            throw APIError.rateLimited(retryAfter: wait)
        }
        return try await next(request, context)
    }
}
