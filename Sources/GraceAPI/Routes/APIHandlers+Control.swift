import Foundation
import GraceDSL
import Runtime

extension APIHandlers {
    func kernelAction(_ name: String, _ action: Endpoint.KernelAction, _ request: APIRequest) async throws -> APIReply {
        _ = try request.optionalJSONObject(allowed: [])
        guard let k = await supervisor.status().first(where: { $0.name == name }) else {
            throw APIError.notFound("no kernel `\(name.prefix(100))`")
        }
        let supervisor = supervisor
        switch action {
        case .restart:
            Task { await supervisor.restart(name, reason: "api") }
            return Self.ok("restarting \(name)", status: .accepted)
        case .stop:
            guard k.pid != nil || k.phase == .backingOff else {
                throw APIError.conflict("kernel \(name) is not running (\(k.phase.rawValue))")
            }
            Task { await supervisor.stop(name, reason: "api") }
            return Self.ok("stopping \(name)", status: .accepted)
        case .start:
            guard k.pid == nil else { throw APIError.conflict("kernel \(name) is already \(k.phase.rawValue)") }
            Task { await supervisor.startKernel(name) }
            return Self.ok("starting \(name)", status: .accepted)
        case .pause:
            guard k.pid != nil else { throw APIError.conflict("kernel \(name) is not running (\(k.phase.rawValue))") }
            guard !k.paused else { throw APIError.conflict("kernel \(name) is already paused") }
            guard await supervisor.pause(name, reason: "api") else {
                throw APIError.conflict("kernel \(name) could not be paused")
            }
            return Self.ok("paused \(name)", status: .accepted)
        case .resume:
            guard k.paused else { throw APIError.conflict("kernel \(name) is not paused") }
            guard await supervisor.resume(name, reason: "api") else {
                throw APIError.conflict("kernel \(name) could not be resumed")
            }
            return Self.ok("resumed \(name)", status: .accepted)
        }
    }

    func reload(_ request: APIRequest) async throws -> APIReply {
        _ = try request.optionalJSONObject(allowed: [])
        guard let reloader else { throw APIError.unavailable("reload is not available in this process") }
        switch await reloader.reload(reason: "api") {
        case .applied(let diff, let ms):
            let changed = (diff.added + diff.changed + diff.removed).sorted().map { JSON.string($0.description) }
            return .json(
                .ok,
                .object([
                    ("ok", .bool(true)), ("message", .string(String(format: "reloaded in %.1f ms", ms))),
                    ("changed", .array(changed)),
                ]))
        case .unchanged:
            return .json(
                .ok,
                .object([("ok", .bool(true)), ("message", .string("configuration unchanged")), ("changed", .array([]))])
            )
        case .refused(let diagnostics):
            let errors = diagnostics.filter { $0.severity == .error }
            var error = APIError.unprocessable("reload refused: \(errors.count) errors")
            error.extra = [
                (
                    "diagnostics",
                    .array(
                        errors.prefix(100).map {
                            .string(
                                "\($0.span.file):\($0.span.start.line):\($0.span.start.column): error[\($0.code.rawValue)]: \($0.message)"
                            )
                        })
                )
            ]
            throw error
        }
    }
}
