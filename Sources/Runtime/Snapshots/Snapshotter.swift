import Foundation
import GraceDSL
import Logging

/// Takes snapshots of every kernel that declares `data`, on the `snapshots.every` schedule of the grace
/// document, marks them good when the kernel is healthy, and prunes by the `keep` policy.
public actor Snapshotter {
    private let store: SnapshotStore
    private let supervisor: Supervisor
    private let logger: Logger
    private var task: Task<Void, Never>?

    public init(store: SnapshotStore, supervisor: Supervisor, logger: Logger) {
        self.store = store
        self.supervisor = supervisor
        self.logger = logger
    }

    public func start() async {
        guard let every = await supervisor.graph.settings?.snapshots.every else { return }
        task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: every)
                guard !Task.isCancelled else { return }
                await self?.snapshotAll()
            }
        }
    }

    public func stop() { task?.cancel() }

    /// One round: a snapshot of each kernel with data, then retention.
    public func snapshotAll() async {
        let graph = await supervisor.graph
        let root = URL(fileURLWithPath: await supervisor.rootDirectory)
        let keep = graph.settings?.snapshots
        for kernel in graph.kernels where !kernel.data.isEmpty {
            let name = kernel.header.name.value
            let healthy = await supervisor.isHealthy(name)
            do {
                let manifest = try store.create(
                    kernel: name, root: root, paths: kernel.data.map(\.value), tag: "scheduled", good: healthy)
                await supervisor.record(
                    "snapshot.created", kernel: name,
                    fields: ["id": manifest.id, "files": String(manifest.files.count), "good": String(healthy),
                             "reason": "schedule"])
                let removed = try store.prune(
                    kernel: name, keepLast: keep?.keepLast ?? 10, keepHourly: keep?.keepHourly ?? 24,
                    keepDaily: keep?.keepDaily ?? 7,
                    now: Date())
                if !removed.isEmpty {
                    await supervisor.record("snapshot.pruned", kernel: name, fields: ["removed": String(removed.count)])
                }
            } catch {
                logger.error("snapshot of \(name) failed: \(error)")
                await supervisor.record("snapshot.failed", kernel: name, fields: ["error": String(describing: error)])
            }
        }
    }
}
