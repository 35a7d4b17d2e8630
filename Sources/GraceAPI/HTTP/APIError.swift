import GraceAPIModels
import HTTPTypes
import NIOPosix

/// An error the API answers with: the contract's envelope `{"error": {"code", "message"}}` and its status.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    /// `file:line:column: error[CODE]: message` lines, for a refused reload.
    var diagnostics: [String]?
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func badRequest(_ message: String) -> APIError { .init(.badRequest, "bad_request", message) }
    static func unauthorized(_ message: String) -> APIError {
        var e = APIError(.unauthorized, "unauthorized", message)
        e.headers[.wwwAuthenticate] = "Bearer"
        return e
    }
    static func forbidden(_ message: String) -> APIError { .init(.forbidden, "forbidden", message) }
    static func notFound(_ message: String) -> APIError { .init(.notFound, "not_found", message) }
    static func methodNotAllowed(_ method: String, allowed: [String]) -> APIError {
        var e = APIError(
            .methodNotAllowed, "method_not_allowed",
            "\(method) is not allowed here; use \(allowed.joined(separator: " or "))")
        e.headers[.allow] = allowed.joined(separator: ", ")
        return e
    }
    static func conflict(_ message: String) -> APIError { .init(.conflict, "conflict", message) }
    static func tooLarge(_ limit: Int) -> APIError {
        .init(.contentTooLarge, "too_large", "the request body exceeds \(limit) bytes")
    }
    static func unprocessable(_ message: String) -> APIError {
        .init(.unprocessableContent, "unprocessable", message)
    }
    static func rateLimited(retryAfter seconds: Int) -> APIError {
        var e = APIError(.tooManyRequests, "rate_limited", "too many requests; retry in \(seconds) s")
        e.headers[.retryAfter] = String(seconds)
        return e
    }
    static func `internal`(_ message: String) -> APIError { .init(.internalServerError, "internal", message) }
    static func unavailable(_ message: String, retryAfter seconds: Int? = nil) -> APIError {
        var e = APIError(.serviceUnavailable, "unavailable", message)
        if let seconds { e.headers[.retryAfter] = String(seconds) }
        return e
    }

    /// The body the client reads.
    var body: ErrorResponse {
        ErrorResponse(error: .init(code: code, message: message, diagnostics: diagnostics))
    }

    /// Runs blocking work (SQLite, snapshot files) and turns what it throws into a 500 with the reason.
    static func wrapping<T>(_ what: String, _ body: () throws -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch let error as APIError {
            throw error
        } catch {
            throw .internal("\(what) failed: \(error)")
        }
    }

    /// Runs blocking work that may take long (walking the whole journal) on NIO's thread pool, so that it holds
    /// no thread of Swift's cooperative pool, and turns what it throws into a 500 with the reason.
    static func offPool<T: Sendable>(_ what: String, _ body: @escaping @Sendable () throws -> T)
        async throws(APIError) -> T
    {
        do {
            return try await NIOThreadPool.singleton.runIfActive(body)
        } catch let error as APIError {
            throw error
        } catch {
            throw .internal("\(what) failed: \(error)")
        }
    }
}
