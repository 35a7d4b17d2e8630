import Foundation
import GraceAPIModels
import Hummingbird
import Runtime

/// `/v1/snapshots` (list, take) and `POST /v1/snapshots/{id}/restore`.
struct SnapshotRoutes: APIRoutes {
    let services: APIServices

    func add(to routes: RouteBuilder) {
        routes.get("/v1/snapshots") { request, _ in try await list(try QueryParameters(request).value("kernel")) }
        routes.post("/v1/snapshots") { request, context in
            let data = try await BodyReader.object(request, allowed: ["kernel"], limit: context.maxUploadSize)
            let body = try APIRequestDecoder.decode(SnapshotRequest.self, from: data)
            return EditedResponse(status: .created, response: try await take(body.kernel))
        }
        routes.post("/v1/snapshots/:id/restore") { request, context in
            _ = try await BodyReader.object(request, allowed: [], limit: context.maxUploadSize)
            return try await restore(try context.parameter("id"))
        }
    }

    private func list(_ kernel: String?) async throws(APIError) -> SnapshotsResponse {
        if let kernel, await !knows(kernel) { throw .notFound("no kernel `\(kernel.prefix(100))`") }
        guard let snapshots = services.snapshots else { return SnapshotsResponse(snapshots: []) }
        let list = try APIError.wrapping("listing snapshots") { try snapshots.list(kernel: kernel) }
        let newest = list.sorted { $0.time != $1.time ? $0.time > $1.time : $0.id > $1.id }
        return SnapshotsResponse(snapshots: newest.map(Self.view))
    }

    private func take(_ name: String) async throws(APIError) -> SnapshotView {
        let supervisor = services.supervisor
        guard let kernel = await supervisor.graph.kernel(name) else {
            throw .notFound("no kernel `\(name.prefix(100))`")
        }
        guard !kernel.data.isEmpty else { throw .unprocessable("kernel \(name) declares no `data` to snapshot") }
        guard let snapshots = services.snapshots else { throw .unavailable("the snapshot store is not available") }
        let root = URL(fileURLWithPath: await supervisor.rootDirectory)
        let good = await supervisor.isHealthy(name)
        let manifest = try APIError.wrapping("taking the snapshot") {
            try snapshots.create(kernel: name, root: root, paths: kernel.data.map(\.value), tag: "api", good: good)
        }
        services.journal.append(
            .snapshotCreated(
                kernel: name, id: manifest.id, files: manifest.files.count, bytes: nil, good: good, run: nil,
                reason: "api"))
        return Self.view(manifest)
    }

    /// The kernel must not write its data while it is put back: stop it, restore, start it again.
    private func restore(_ id: String) async throws(APIError) -> MessageResponse {
        guard let snapshots = services.snapshots else { throw .notFound("no snapshot `\(id.prefix(100))`") }
        let manifest: SnapshotManifest
        do {
            manifest = try snapshots.find(id)
        } catch SnapshotError.ambiguous(_, let matches) {
            throw .badRequest("`\(id.prefix(100))` matches \(matches.count) snapshots; give more of the id")
        } catch {
            throw .notFound("no snapshot `\(id.prefix(100))`")
        }
        guard await knows(manifest.kernel) else {
            throw .unprocessable("snapshot \(manifest.id) is of kernel \(manifest.kernel), which is not configured")
        }
        let supervisor = services.supervisor
        let wasRunning = await supervisor.isRunning(manifest.kernel)
        if wasRunning { await supervisor.stopAndWait(manifest.kernel, reason: "api restore") }
        let root = URL(fileURLWithPath: await supervisor.rootDirectory)
        do {
            try snapshots.restore(manifest.id, root: root)
        } catch {
            if wasRunning { await supervisor.startKernel(manifest.kernel) }
            throw .internal("restoring \(manifest.id) failed: \(error)")
        }
        services.journal.append(.snapshotRestored(kernel: manifest.kernel, id: manifest.id, run: nil, reason: "api"))
        if wasRunning { await supervisor.startKernel(manifest.kernel) }
        return MessageResponse(
            ok: true,
            message: "restored \(manifest.kernel) from \(manifest.id)" + (wasRunning ? " and started it again" : ""))
    }

    private func knows(_ kernel: String) async -> Bool { await services.supervisor.graph.kernel(kernel) != nil }

    static func view(_ m: SnapshotManifest) -> SnapshotView {
        SnapshotView(
            id: m.id, kernel: m.kernel, createdAt: m.time, good: m.good, files: m.files.count,
            bytes: Int64(clamping: m.bytes))
    }
}
