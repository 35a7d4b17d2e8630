import Foundation
import GraceAPIModels
import GraceDSL
import HTTPTypes
import Hummingbird
import NIOCore
import Runtime

/// `POST /v1/reload` and `GET /v1/graph` (the running execution graph).
struct ConfigurationRoutes: APIRoutes {
    let services: APIServices

    func add(to routes: RouteBuilder) {
        routes.post("/v1/reload") { request, context in
            _ = try await BodyReader.object(request, allowed: [], limit: context.maxUploadSize)
            return try await reload()
        }
        routes.get("/v1/graph") { _, _ in
            let text = GraphRenderer().render(await services.supervisor.graph, format: .json)
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    private func reload() async throws(APIError) -> ReloadResponse {
        guard let reloader = services.reloader else { throw .unavailable("reload is not available in this process") }
        switch await reloader.reload(reason: "api") {
        case .applied(let diff, let ms):
            return ReloadResponse(
                ok: true, message: String(format: "reloaded in %.1f ms", ms),
                changed: (diff.added + diff.changed + diff.removed).sorted().map(\.description))
        case .unchanged:
            return ReloadResponse(ok: true, message: "configuration unchanged", changed: [])
        case .refused(let diagnostics):
            let errors = diagnostics.filter { $0.severity == .error }
            var error = APIError.unprocessable("reload refused: \(errors.count) errors")
            error.diagnostics = errors.prefix(100).map {
                "\($0.span.file):\($0.span.start.line):\($0.span.start.column): error[\($0.code.rawValue)]: \($0.message)"
            }
            throw error
        }
    }
}
