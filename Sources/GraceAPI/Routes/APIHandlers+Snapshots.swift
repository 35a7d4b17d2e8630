import Foundation
import GraceDSL
import Runtime

extension APIHandlers {
    func listSnapshots(_ request: APIRequest) async throws -> APIReply {
        let kernel = try request.value("kernel")
        if let kernel, await !knownKernel(kernel) { throw APIError.notFound("no kernel `\(kernel.prefix(100))`") }
        guard let snapshots else { return .json(.ok, .object([("snapshots", .array([]))])) }
        let list = try storeCall("listing snapshots") { try snapshots.list(kernel: kernel) }
        let newest = list.sorted { $0.time != $1.time ? $0.time > $1.time : $0.id > $1.id }
        return .json(.ok, .object([("snapshots", .array(newest.map(Self.snapshotJSON)))]))
    }

    struct SnapshotBody: Decodable {
        var kernel: String
    }

    func takeSnapshot(_ request: APIRequest) async throws -> APIReply {
        _ = try request.optionalJSONObject(allowed: ["kernel"])
        let body = try BodyDecoder.decode(SnapshotBody.self, from: request.body)
        guard let kernel = await supervisor.graph.kernels.first(where: { $0.header.name.value == body.kernel }) else {
            throw APIError.notFound("no kernel `\(body.kernel.prefix(100))`")
        }
        guard !kernel.data.isEmpty else {
            throw APIError.unprocessable("kernel \(body.kernel) declares no `data` to snapshot")
        }
        guard let snapshots else { throw APIError.unavailable("the snapshot store is not available") }
        let root = URL(fileURLWithPath: await supervisor.rootDirectory)
        let good = await supervisor.isHealthy(body.kernel)
        let manifest = try storeCall("taking the snapshot") {
            try snapshots.create(
                kernel: body.kernel, root: root, paths: kernel.data.map(\.value), tag: "api", good: good)
        }
        journal.append(
            .snapshotCreated(
                kernel: body.kernel, id: manifest.id, files: manifest.files.count, bytes: nil, good: good, run: nil,
                reason: "api"))
        return .json(.created, Self.snapshotJSON(manifest))
    }

    func restoreSnapshot(_ id: String, _ request: APIRequest) async throws -> APIReply {
        _ = try request.optionalJSONObject(allowed: [])
        guard let snapshots else { throw APIError.notFound("no snapshot `\(id.prefix(100))`") }
        let manifest: SnapshotManifest
        do {
            manifest = try snapshots.find(id)
        } catch SnapshotError.ambiguous(_, let matches) {
            throw APIError.badRequest("`\(id.prefix(100))` matches \(matches.count) snapshots; give more of the id")
        } catch {
            throw APIError.notFound("no snapshot `\(id.prefix(100))`")
        }
        guard await knownKernel(manifest.kernel) else {
            throw APIError.unprocessable(
                "snapshot \(manifest.id) is of kernel \(manifest.kernel), which is not configured")
        }
        // The kernel must not write its data while it is put back: stop it, restore, start it again.
        let wasRunning = await supervisor.isRunning(manifest.kernel)
        if wasRunning { await supervisor.stopAndWait(manifest.kernel, reason: "api restore") }
        let root = URL(fileURLWithPath: await supervisor.rootDirectory)
        do {
            try snapshots.restore(manifest.id, root: root)
        } catch {
            if wasRunning { await supervisor.startKernel(manifest.kernel) }
            throw APIError.internal("restoring \(manifest.id) failed: \(error)")
        }
        journal.append(.snapshotRestored(kernel: manifest.kernel, id: manifest.id, run: nil, reason: "api"))
        if wasRunning { await supervisor.startKernel(manifest.kernel) }
        return Self.ok("restored \(manifest.kernel) from \(manifest.id)" + (wasRunning ? " and started it again" : ""))
    }

    func knownKernel(_ name: String) async -> Bool {
        await supervisor.graph.kernels.contains { $0.header.name.value == name }
    }

    static func snapshotJSON(_ m: SnapshotManifest) -> JSON {
        .object([
            ("id", .string(m.id)),
            ("kernel", .string(m.kernel)),
            ("created_at", .time(m.time)),
            ("good", .bool(m.good)),
            ("files", .int(m.files.count)),
            ("bytes", .int(Int64(clamping: m.bytes))),
        ])
    }
}
