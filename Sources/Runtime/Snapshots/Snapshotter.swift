import Foundation
import GraceDSL
import Interpreter
import Logging

/// Takes snapshots of every kernel that declares `data`, on the `snapshots.every` schedule of the grace
/// document, marks them good when the kernel is healthy, and prunes by the `keep` policy.
public actor Snapshotter {
    private let store: SnapshotStore
    private let supervisor: Supervisor
    private let environment: RuntimeEnvironment

    /// A snapshotter of the supervisor's kernels into `store`; the schedule comes from the supervisor's graph.
    public init(store: SnapshotStore, supervisor: Supervisor, environment: RuntimeEnvironment) {
        self.store = store
        self.supervisor = supervisor
        self.environment = environment
    }

    /// Snapshots on the schedule until the task is cancelled; returns at once when no schedule is set. The
    /// schedule is read again after each round, so a reload that changes it takes effect from the next one.
    public func takeScheduledSnapshots() async {
        while !Task.isCancelled {
            guard let every = await supervisor.graph.settings?.snapshots.every else { return }
            try? await environment.clock.sleep(for: every)
            guard !Task.isCancelled else { return }
            await snapshotAll()
        }
    }

    /// One round: a snapshot of each kernel with data, then retention.
    public func snapshotAll() async {
        let graph = await supervisor.graph
        let root = URL(fileURLWithPath: await supervisor.rootDirectory)
        let keep = graph.settings?.snapshots
        let journal = environment.journal
        for kernel in graph.kernels where !kernel.data.isEmpty {
            let name = kernel.header.name.value
            let healthy = await supervisor.isHealthy(name)
            do {
                let manifest = try store.create(
                    kernel: name, root: root, paths: kernel.data.map(\.value), tag: "scheduled", good: healthy)
                journal.append(
                    .snapshotCreated(
                        kernel: name, id: manifest.id, files: manifest.files.count, bytes: nil, good: healthy,
                        run: nil, reason: "schedule"))
                let removed = try store.prune(
                    kernel: name, keepLast: keep?.keepLast ?? 10, keepHourly: keep?.keepHourly ?? 24,
                    keepDaily: keep?.keepDaily ?? 7, now: Date())
                if !removed.isEmpty { journal.append(.snapshotPruned(kernel: name, removed: removed.count)) }
            } catch {
                environment.logger.error("snapshot of \(name) failed: \(error)")
                journal.append(.snapshotFailed(kernel: name, error: String(describing: error)))
            }
        }
    }
}
