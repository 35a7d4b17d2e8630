import GraceAPIModels
import Hummingbird
import Runtime

/// `POST /v1/kernels/{name}/restart|stop|start|pause|resume`: journaled, as a playbook step's would be. Restart,
/// stop and start answer 202 once under way; pause and resume once done.
struct KernelRoutes: APIRoutes {
    enum Action: String, CaseIterable, Sendable {
        case restart, stop, start, pause, resume
    }

    let services: APIServices

    func add(to routes: RouteBuilder) {
        for action in Action.allCases {
            routes.post("/v1/kernels/:name/\(action.rawValue)") { request, context in
                _ = try await BodyReader.object(request, allowed: [], limit: context.maxUploadSize)
                let message = try await perform(action, on: try context.parameter("name"))
                return EditedResponse(status: .accepted, response: MessageResponse(ok: true, message: message))
            }
        }
    }

    private func perform(_ action: Action, on name: String) async throws(APIError) -> String {
        let supervisor = services.supervisor
        guard let k = await supervisor.status().first(where: { $0.name == name }) else {
            throw .notFound("no kernel `\(name.prefix(100))`")
        }
        switch action {
        case .restart:
            Task { await supervisor.restart(name, origin: .api, reason: "api") }
            return "restarting \(name)"
        case .stop:
            guard k.pid != nil || k.phase == .backingOff else {
                throw .conflict("kernel \(name) is not running (\(k.phase.rawValue))")
            }
            Task { await supervisor.stop(name, reason: "api") }
            return "stopping \(name)"
        case .start:
            guard k.pid == nil else { throw .conflict("kernel \(name) is already \(k.phase.rawValue)") }
            Task { await supervisor.startKernel(name) }
            return "starting \(name)"
        case .pause:
            guard k.pid != nil else { throw .conflict("kernel \(name) is not running (\(k.phase.rawValue))") }
            guard !k.paused else { throw .conflict("kernel \(name) is already paused") }
            guard await supervisor.pause(name, reason: "api") else {
                throw .conflict("kernel \(name) could not be paused")
            }
            return "paused \(name)"
        case .resume:
            guard k.paused else { throw .conflict("kernel \(name) is not paused") }
            guard await supervisor.resume(name, reason: "api") else {
                throw .conflict("kernel \(name) could not be resumed")
            }
            return "resumed \(name)"
        }
    }
}
