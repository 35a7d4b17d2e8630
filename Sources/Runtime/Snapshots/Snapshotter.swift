import Foundation
import GraceDSL
import Interpreter
import Logging

/// Takes snapshots of every kernel that declares `data`, on the `snapshots.every` schedule of the grace
/// document, marks them good when the kernel is healthy, and prunes by the `keep` policy.
///
/// A kernel with `data` that has no good snapshot yet gets a baseline (`tag: baseline`) as soon as it is first
/// healthy, so that `restore ... from: last_good` has something to restore long before the first scheduled round.
public actor Snapshotter {
    private let store: SnapshotStore
    private let supervisor: Supervisor
    private let environment: RuntimeEnvironment
    /// Entries that may make a kernel healthy, subscribed to before the supervisor boots so that none is missed (a
    /// restart subscribes again).
    private var readiness: ObservationStream
    /// Since when its loops are stuck (`hang`, a drill's fault): they take no snapshot and it gives no heartbeat
    /// until it is restarted.
    private(set) var stalledSince: Date?
    /// Kernels whose good snapshot is known to exist (taken or found), so the store is asked once per kernel.
    private var baselined: Set<String> = []

    /// A snapshotter of the supervisor's kernels into `store`; the schedule comes from the supervisor's graph.
    public init(store: SnapshotStore, supervisor: Supervisor, environment: RuntimeEnvironment) {
        self.store = store
        self.supervisor = supervisor
        self.environment = environment
        readiness = Self.subscribe(environment.hub)
    }

    private static func subscribe(_ hub: ObservationHub) -> ObservationStream {
        hub.subscribe(buffer: 16, journalBuffer: 1_000) { observation in
            guard case .journal(let entry) = observation else { return false }
            return entry.kind == JournalKind.kernelReady.rawValue || entry.kind == JournalKind.kernelHealthy.rawValue
        }
    }

    /// Wedges both loops at their next step until the snapshotter is restarted.
    func wedge() { stalledSince = stalledSince ?? Date() }

    /// After the root cancelled its loops: a new subscription to readiness (the cancelled one ended), unstuck.
    /// Kernels that became healthy meanwhile get their baseline at their next readiness entry.
    func rebuild() {
        stalledSince = nil
        readiness.finish()
        readiness = Self.subscribe(environment.hub)
    }

    /// Takes the baseline snapshot of each kernel with data when it is first healthy; until the task is cancelled.
    public func takeBaselines() async {
        for await observation in readiness {
            if stalledSince != nil { await suspendUntilCancelled() }
            guard case .journal(let entry) = observation, let kernel = entry.kernel else { continue }
            await takeBaseline(of: kernel)
        }
    }

    /// A good snapshot of `kernel` tagged `baseline`, unless it has no data, is not healthy now (its probe has not
    /// passed yet: `kernel.healthy` comes later), or already has a good snapshot.
    func takeBaseline(of kernel: String) async {
        guard !baselined.contains(kernel), let spec = await supervisor.graph.kernel(kernel), !spec.data.isEmpty,
            await supervisor.isHealthy(kernel)
        else { return }
        if (try? store.list(kernel: kernel).contains(where: \.good)) == true {
            baselined.insert(kernel)
            return
        }
        let root = URL(fileURLWithPath: await supervisor.rootDirectory)
        do {
            let manifest = try store.create(
                kernel: kernel, root: root, paths: spec.data.map(\.value), tag: "baseline", good: true)
            baselined.insert(kernel)
            environment.journal.append(
                .snapshotCreated(
                    kernel: kernel, id: manifest.id, files: manifest.files.count, bytes: nil, good: true, run: nil,
                    reason: "baseline"))
        } catch {
            environment.logger.error("baseline snapshot of \(kernel) failed: \(error)")
            environment.journal.append(.snapshotFailed(kernel: kernel, error: String(describing: error)))
        }
    }

    /// Snapshots on the schedule until the task is cancelled; returns at once when no schedule is set. The
    /// schedule is read again after each round, so a reload that changes it takes effect from the next one.
    public func takeScheduledSnapshots() async {
        while !Task.isCancelled {
            guard let every = await supervisor.graph.settings?.snapshots.every else { return }
            try? await environment.clock.sleep(for: every)
            if stalledSince != nil { await suspendUntilCancelled() }
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
