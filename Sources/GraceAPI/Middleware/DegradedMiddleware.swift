import Hummingbird
import Runtime

/// While the journal cannot be written, Grace is degraded and does nothing it cannot record first: writes are
/// answered 503 with `Retry-After`, reads go on (they show the degradation).
struct DegradedMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let journal: Journal

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if request.method != .get, context.endpointPath != nil, context.endpointPath != "/v1/role", !journal.isWritable
        {
            throw APIError.unavailable(
                "the journal cannot be written (Grace is degraded), so nothing is done that it could not record first; "
                    + "retry when GET /v1/status says journal.writable", retryAfter: 1)
        }
        return try await next(request, context)
    }
}
