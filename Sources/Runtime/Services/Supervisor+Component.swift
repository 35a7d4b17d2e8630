import ServiceLifecycle

extension Supervisor: Component {
    /// `supervisor`, as the registry and `GET /v1/components` list it.
    public nonisolated var name: String { "supervisor" }

    /// Boots the kernels, supervises them until graceful shutdown, then stops them in reverse order.
    public func run() async throws {
        await boot()
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Not in-process: the supervisor holds the kernels' processes, so only re-executing Grace restarts it.
    public nonisolated var restartable: Bool { false }

    /// True once the actor gets to it: a supervisor stuck on its own executor misses beats.
    public func heartbeat() -> Bool { true }
}
