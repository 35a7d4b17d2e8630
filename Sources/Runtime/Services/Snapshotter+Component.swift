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

    /// True once the actor gets to it: a snapshotter stuck on its own executor misses beats.
    public func heartbeat() -> Bool { true }
}
