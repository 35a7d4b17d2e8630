import GraceAPIModels
import HTTPTypes
import Hummingbird
import Logging

/// The outermost middleware: every failure becomes the contract's JSON error envelope (a path that exists with
/// another method is a 405 with `Allow`, rather than the router's 404), nothing a client sends can crash Grace,
/// and every answer is counted in `grace_http_requests_total`.
struct ErrorEnvelopeMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let routes: RouteTable
    let metrics: APIMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = Self.response(for: error)
        } catch let error as HTTPError {
            response = Self.response(for: translate(error, request))
        } catch {
            logger.error("api: \(request.method) \(request.uri.path.prefix(200)) failed: \(error)")
            response = Self.response(for: .internal("the request failed: \(error)"))
        }
        let method = request.method.rawValue
        let label = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"].contains(method) ? method : "OTHER"
        metrics.request(method: label, status: response.status.code)
        return response
    }

    /// Hummingbird's own errors in the contract's terms.
    private func translate(_ error: HTTPError, _ request: Request) -> APIError {
        switch error.status {
        case .notFound:
            let allowed = routes.methods(at: request.uri.path)
            if !allowed.isEmpty { return .methodNotAllowed(request.method.rawValue, allowed: allowed) }
            return .notFound("no such endpoint: \(request.uri.path.prefix(200))")
        case .contentTooLarge:
            return .tooLarge(APIRequestContext.bodyLimit)
        case .badRequest:
            return .badRequest(error.body ?? "the request is malformed")
        default:
            return APIError(error.status, "internal", error.body ?? error.status.reasonPhrase)
        }
    }

    static func response(for error: APIError) -> Response {
        do {
            return try APIResponseEncoder.response(error.status, error.body, extra: error.headers)
        } catch {
            return Response(status: .internalServerError)
        }
    }
}
