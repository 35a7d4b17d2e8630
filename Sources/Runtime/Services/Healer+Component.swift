import ServiceLifecycle

extension Healer: Component {
    /// `healer`, as the registry, `GET /v1/components` and `components:` of the grace document name it.
    public nonisolated var name: String { "healer" }

    /// Evaluates triggers and runs playbooks until graceful shutdown, then stops its timers and writes the
    /// knowledge base.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await self.handleObservations()
        } onGracefulShutdown: {
            Task { await self.stop() }
        }
    }

    /// True once the actor gets to it: a healer stuck on its own executor misses beats.
    public func heartbeat() -> Bool { true }
}
