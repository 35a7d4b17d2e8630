import Foundation
import GraceDSL
import HTTPTypes
import Runtime

/// What an endpoint answers; the responder turns it into an HTTP response.
public enum APIReply: Sendable {
    case json(HTTPResponse.Status, JSON)
    case file(contentType: String, Data)
    case text(contentType: String, String)
    case eventStream(after: Int64?, kernel: String?, kinds: [String])
}

/// The endpoints' logic over the running Grace: the supervisor, the healer, the reloader, the journal and the
/// snapshot store. Each `Routes/` file adds the endpoints of one area.
public struct APIHandlers: Sendable {
    public let supervisor: Supervisor
    public let healer: Healer
    public let reloader: ConfigurationReloader?
    public let snapshots: SnapshotStore?
    public let live: LiveState
    public let metrics: APIMetrics
    public let dashboard: DashboardFiles
    public let version: String
    public let startedAt: Date
    public let journal: Journal
    public let components: ComponentRegistry

    public var store: StateStore { journal.store }

    public func handle(_ endpoint: Endpoint, _ request: APIRequest) async throws -> APIReply {
        switch endpoint {
        case .dashboard: return try dashboard.reply(for: "index.html")
        case .staticFile(let name): return try dashboard.reply(for: name)
        case .metrics: return .text(contentType: "text/plain; version=0.0.4; charset=utf-8", metrics.exposition())
        case .status: return try await status()
        case .kernels: return try await kernels()
        case .kernel(let name): return try await kernel(name)
        case .kernelAction(let name, let action): return try await kernelAction(name, action, request)
        case .events: return try events(request)
        case .eventStream: return try eventStream(request)
        case .runs: return try await runs(request)
        case .run(let id): return try await run(id)
        case .playbookRun(let name): return try await runPlaybook(name, request)
        case .knowledge: return try knowledge(request)
        case .signature(let id): return try signature(id)
        case .graph: return await graph()
        case .snapshots: return try await listSnapshots(request)
        case .takeSnapshot: return try await takeSnapshot(request)
        case .restoreSnapshot(let id): return try await restoreSnapshot(id, request)
        case .reload: return try await reload(request)
        case .role: return await role()
        case .components: return listComponents()
        case .eventKinds: return Self.eventKinds()
        }
    }

    /// Runs blocking work (SQLite, snapshot files) and maps its errors to a 500 with the reason.
    func storeCall<T>(_ what: String, _ body: () throws -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch let error as APIError {
            throw error
        } catch {
            throw .internal("\(what) failed: \(error)")
        }
    }

    static func ok(_ message: String, status: HTTPResponse.Status = .ok) -> APIReply {
        .json(status, .object([("ok", .bool(true)), ("message", .string(message))]))
    }

    static func milliseconds(from start: Date?, to end: Date?) -> JSON {
        guard let start, let end else { return .null }
        return .double((end.timeIntervalSince(start) * 1000 * 1000).rounded() / 1000)
    }

    static func seconds(since start: Date, now: Date = Date()) -> Double {
        (max(0, now.timeIntervalSince(start)) * 1000).rounded() / 1000
    }
}
