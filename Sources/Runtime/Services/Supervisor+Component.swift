import ServiceLifecycle

extension Supervisor: Component {
    public nonisolated var name: String { "supervisor" }

    /// Boots the kernels, supervises them until graceful shutdown, then stops them in reverse order.
    public func run() async throws {
        await boot()
        try? await gracefulShutdown()
        await shutdown()
    }

    public func heartbeat() -> Bool { true }
}
