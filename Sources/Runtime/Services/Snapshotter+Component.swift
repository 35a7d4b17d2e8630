import ServiceLifecycle

extension Snapshotter: Component {
    /// `snapshotter`, as the registry, `GET /v1/components` and `components:` of the grace document name it.
    public nonisolated var name: String { "snapshotter" }

    /// Baselines when kernels are first healthy, and snapshots on schedule, until graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.takeBaselines() }
                group.addTask { await self.takeScheduledSnapshots() }
            }
        }
    }

    /// True once the actor gets to it and its loops are not wedged: a snapshotter stuck on its own executor, or
    /// hung by a drill, misses beats.
    public func heartbeat() -> Bool { stalledSince == nil }

    /// A new subscription, unstuck (`rebuild`).
    public func prepareRestart() async { rebuild() }

    /// Wedges its loops until the root restarts it.
    public func hang() -> Bool {
        wedge()
        return true
    }
}
