import ServiceLifecycle

extension Healer: Component {
    /// `healer`, as the registry, `GET /v1/components` and `components:` of the grace document name it.
    public nonisolated var name: String { "healer" }

    /// Evaluates triggers and runs playbooks until graceful shutdown, then stops its timers and writes the
    /// knowledge base. Cancelled by the root, it returns and waits for `prepareRestart`.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await self.handleObservations()
        } onGracefulShutdown: {
            Task { await self.stop() }
        }
    }

    /// True when the actor gets to it and its loop is taking observations: a healer stuck on its own executor, or
    /// whose loop is wedged, misses beats.
    public func heartbeat() -> Bool { isLive }

    /// Rebuilds the loop's state from the journal (`rebuild`).
    public func prepareRestart() async { await rebuild() }

    /// Wedges the loop until the root restarts the healer.
    public func hang() -> Bool {
        wedge()
        return true
    }
}
