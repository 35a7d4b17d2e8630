import ServiceLifecycle

extension Snapshotter: Component {
    /// `snapshotter`, as the registry, `GET /v1/components` and `components:` of the grace document name it.
    public nonisolated var name: String { "snapshotter" }

    /// Snapshots on schedule until graceful shutdown; without a schedule it is idle.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.takeScheduledSnapshots()
        }
    }

    /// True once the actor gets to it: a snapshotter stuck on its own executor misses beats.
    public func heartbeat() -> Bool { true }
}
