import ServiceLifecycle

extension Healer: Component {
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

    public func heartbeat() -> Bool { true }
}
