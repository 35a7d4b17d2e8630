import Foundation
import GraceAPIModels
import Hummingbird
import Runtime

/// `/v1/agent`, `/v1/agent/tasks` and `/v1/agent/tasks/{id}`: the coding agent's queue, read-only. The queue is
/// its own database (`<state_dir>/agent.sqlite`); when it could not be opened every route answers 503.
struct AgentRoutes: APIRoutes {
    let services: APIServices

    /// More open tasks than this are not counted one by one (the queue never holds that many in practice).
    static let openCountLimit = 10_000

    func add(to routes: RouteBuilder) {
        routes.get("/v1/agent") { _, _ in try status() }
        routes.get("/v1/agent/tasks") { request, _ in
            let query = try QueryParameters(request)
            let limit = try query.integer("limit", default: 50, in: 1...500)
            let states = try Self.states(try query.value("state"))
            return try list(limit: limit, states: states)
        }
        routes.get("/v1/agent/tasks/:id") { _, context in try task(try context.parameter("id")) }
    }

    private func queue() throws(APIError) -> AgentTaskStore {
        guard let store = services.agentTasks else {
            throw .unavailable("the coding agent's task queue is not available")
        }
        return store
    }

    private func status() throws(APIError) -> AgentStatusView {
        let store = try queue()
        return try APIError.wrapping("reading the agent's queue") {
            let open = Set(AgentTaskState.allCases.filter { !$0.isFinal })
            return AgentStatusView(
                paused: try store.isPaused(), patterns: try store.patternCount(),
                tasksOpen: try store.tasks(limit: Self.openCountLimit, states: open).count)
        }
    }

    private func list(limit: Int, states: Set<AgentTaskState>?) throws(APIError) -> AgentTasksResponse {
        let store = try queue()
        let tasks = try APIError.wrapping("listing agent tasks") { try store.tasks(limit: limit, states: states) }
        return AgentTasksResponse(tasks: tasks.map(AgentTaskView.init))
    }

    private func task(_ text: String) throws(APIError) -> AgentTaskView {
        let store = try queue()
        let notFound = APIError.notFound("no agent task `\(text.prefix(100))`")
        guard let id = Int64(text), id > 0 else { throw notFound }
        let found = try APIError.wrapping("reading agent task \(id)") { () throws -> AgentTaskView? in
            guard let task = try store.task(id) else { return nil }
            var view = AgentTaskView(task)
            view.history = try store.history(of: id).map(AgentTaskEventView.init)
            return view
        }
        guard let found else { throw notFound }
        return found
    }

    /// `state=`: one state or several separated by commas (`queued,planning`); nil (every state) when absent.
    static func states(_ text: String?) throws(APIError) -> Set<AgentTaskState>? {
        guard let text else { return nil }
        var states: Set<AgentTaskState> = []
        // Exactly as the OpenAPI pattern says: names separated by single commas, nothing else.
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = String(name)
            guard let state = AgentTaskState(rawValue: trimmed) else {
                let known = AgentTaskState.allCases.map(\.rawValue).joined(separator: ", ")
                throw .badRequest("`state` must be one of \(known), not `\(trimmed.prefix(40))`")
            }
            states.insert(state)
        }
        guard !states.isEmpty else { throw .badRequest("`state` names no state") }
        return states
    }
}
