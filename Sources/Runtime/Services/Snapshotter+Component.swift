import ServiceLifecycle

extension Snapshotter: Component {
    public nonisolated var name: String { "snapshotter" }

    /// Snapshots on schedule until graceful shutdown; without a schedule it is idle.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            await self.takeScheduledSnapshots()
        }
    }

    public func heartbeat() -> Bool { true }
}
